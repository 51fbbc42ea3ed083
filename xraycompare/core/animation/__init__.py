"""Animated exports of a comparison: flicker, swipe and blend as GIF or MP4."""

from xraycompare.core.animation.export import export_animation, plan_for
from xraycompare.core.animation.frames import render_frame
from xraycompare.core.animation.plan import (
    ANIMATION_FORMATS,
    ANIMATION_MODES,
    AnimationFormat,
    AnimationMode,
    AnimationPlan,
    AnimationSettings,
    AnimationSettingsError,
    common_area,
)
from xraycompare.core.document_comparison import document_comparison

__all__ = [
    "ANIMATION_FORMATS",
    "ANIMATION_MODES",
    "AnimationFormat",
    "AnimationMode",
    "AnimationPlan",
    "AnimationSettings",
    "AnimationSettingsError",
    "common_area",
    "document_comparison",
    "export_animation",
    "plan_for",
    "render_frame",
]

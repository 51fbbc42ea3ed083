"""What the notice bar says about the pair: its dates, and an alignment not to be trusted.

The dates notice follows the Document (recomputed whenever the pair changes); the order
notice is set when the films were swapped into time order and lasts until another pair is
opened. Neither names a file or shows a date beyond the study year. The alignment notice
stays while the alignment in use is a poor or failed automatic one, with the way out
(place landmarks) right there; a transient status line is easily missed, and a failed
alignment is worse than none.
"""

from __future__ import annotations

from collections.abc import Callable

from xraycompare.core.document import Document
from xraycompare.core.io.film_labels import date_warning, study_date
from xraycompare.core.registration.alignment import GLOBAL
from xraycompare.qt.view.notice_bar import NoticeAction, NoticeBar

ORDER, DATES, ALIGNMENT = "order", "dates", "alignment"


class PairNotices:
    """Keeps the bar's date notices in step with the Document's pair."""

    def __init__(
        self,
        document: Document,
        bar: NoticeBar,
        *,
        place_landmarks: Callable[[], None] = lambda: None,
    ) -> None:
        self.document = document
        self.bar = bar
        self.place_landmarks = place_landmarks
        self._pair = (None, None)
        document.pair_changed.connect(self.refresh)
        document.alignment_changed.connect(self.refresh_alignment)
        document.blinding_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self.document
        pair = (doc.before, doc.after)
        if pair[0] is not self._pair[0] and pair[0] is not self._pair[1]:
            self.bar.clear(ORDER)  # another pair (a swap of the same films keeps the note)
        self._pair = pair
        self.refresh_alignment()
        if doc.is_blinded:  # the dates and the order are what the reader must not see
            self.bar.clear(ORDER)
            self.bar.clear(DATES)
            return
        warning = date_warning(doc.before, doc.after)
        if warning is None:
            self.bar.clear(DATES)
            return
        # missing dates are common (PNG, anonymised DICOM): a note; equal or reversed: a warning
        undated = study_date(doc.before) is None or study_date(doc.after) is None
        level = "info" if undated else "warning"
        self.bar.show_notice(DATES, warning, level=level)

    def reordered(self, text: str) -> None:
        """The films were put in time order: say so until another pair opens."""
        if not self.document.is_blinded:
            self.bar.show_notice(ORDER, text, level="info")

    def refresh_alignment(self) -> None:
        """A notice while the alignment in use is a poor or failed automatic one."""
        active = self.document.active_alignment
        if active is None or active.status == "ok" or not self.document.has_pair:
            self.bar.clear(ALIGNMENT)
            return
        which = "The alignment" if active.name == GLOBAL else f"The alignment of {active.name}"
        if active.status == "failed":
            head = f"{which} failed; the comparison shows the films as exposed. "
            level = "error"
        else:
            head = f"{which} is doubtful. "
            level = "warning"
        reason = active.reason or active.warning or ""
        actions = (NoticeAction("Place landmarks", self.place_landmarks),)
        self.bar.show_notice(ALIGNMENT, head + reason, level=level, actions=actions)

"""What the notice bar says about the pair's dates: reordered, missing, equal or reversed.

The dates notice follows the Document (recomputed whenever the pair changes); the order
notice is set when the films were swapped into time order and lasts until another pair is
opened. Neither names a file or shows a date beyond the study year.
"""

from __future__ import annotations

from xraycompare.core.document import Document
from xraycompare.core.io.film_labels import date_warning, study_date
from xraycompare.qt.view.notice_bar import NoticeBar

ORDER, DATES = "order", "dates"


class PairNotices:
    """Keeps the bar's date notices in step with the Document's pair."""

    def __init__(self, document: Document, bar: NoticeBar) -> None:
        self.document = document
        self.bar = bar
        self._pair = (None, None)
        document.pair_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self.document
        pair = (doc.before, doc.after)
        if pair[0] is not self._pair[0] and pair[0] is not self._pair[1]:
            self.bar.clear(ORDER)  # another pair (a swap of the same films keeps the note)
        self._pair = pair
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
        self.bar.show_notice(ORDER, text, level="info")

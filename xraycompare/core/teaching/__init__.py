"""Teaching: a tour of bookmarked views, a quiz that hides the regions, blinded reading.

All three are values the Document holds and the project saves (:mod:`.bookmarks`,
:mod:`.quiz`, :mod:`.blinding`); every edit returns a new value, so an undo step is the
value it replaced.
"""

from xraycompare.core.teaching.blinding import LETTERS, BlindedReading, start_blinded
from xraycompare.core.teaching.bookmarks import Bookmark
from xraycompare.core.teaching.quiz import Quiz

__all__ = ["LETTERS", "BlindedReading", "Bookmark", "Quiz", "start_blinded"]

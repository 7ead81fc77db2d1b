"""The course's late policy, as an nbgrader LateSubmissionPlugin (``AssignLatePenalties.plugin_class``).

A submission is late when its timestamp (``timestamp.txt``, written by ``cs231n-course collect`` or
nbgrader's own collect) is after the assignment's due date (``nbgrader db assignment add <assignment>
--duedate=...``). Each started day late costs ``fraction_per_day`` of the notebook's score, up to
``max_fraction``; the first ``grace_minutes`` are free. nbgrader computes the penalty when it autogrades,
from the score at that time: after grading a late submission's answers by hand, regrade it
(``cs231n-course autograde <assignment> --student <id> --force``, which keeps the hand-given grades)
so the penalty follows the new score.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PenaltyPerDayLate(LateSubmissionPlugin):
    """A fraction of the score per started day late, capped; nothing within the grace period."""

    fraction_per_day = Float(0.1, help="fraction of the score lost per started day late").tag(config=True)
    max_fraction = Float(0.5, help="the most a late submission can lose, as a fraction of its score").tag(config=True)
    grace_minutes = Float(15.0, help="minutes after the due date that still count as on time").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        seconds = total_seconds_late - 60 * self.grace_minutes
        if seconds <= 0:
            return 0.0
        days = math.ceil(seconds / 86400)
        fraction = min(self.max_fraction, days * self.fraction_per_day)
        self.log.info("%s is %d day(s) late: loses %g%% of %g points", student_id, days, 100 * fraction, score)
        return round(score * fraction, 6)

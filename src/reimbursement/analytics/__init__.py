"""Analytics: feedback reports, process KPIs, comparisons, event-log export.

Everything imported here is pure Python. pandas and matplotlib (the
``[analytics]`` extra) are imported only by
:mod:`reimbursement.analytics.export` and :mod:`reimbursement.analytics.plots`,
and numpy only inside the counting kernel when it is installed.
"""

from __future__ import annotations

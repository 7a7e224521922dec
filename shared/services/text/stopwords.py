"""Common Vietnamese function words, in `normalize_for_match` form. Not applied anywhere yet.

Kept as data so an experiment can measure whether dropping them helps BM25 on our questions;
in legal questions some of them carry meaning ("không" negates, "được" marks permission).
"""

from __future__ import annotations

STOPWORDS: frozenset[str] = frozenset(
    """
    và của là các những được cho có trong với này đó thì mà để từ khi về như một
    không đã sẽ đang bị do tại theo hoặc nếu vì nên ra vào lại cũng rất nào gì ai
    đến trên dưới sau trước bởi còn vẫn chỉ hay nhưng thế ở việc cái sự
    """.split()
)

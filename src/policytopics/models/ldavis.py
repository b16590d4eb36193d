"""A self-contained pyLDAvis page: pyLDAvis prepares the data; d3 and LDAvis JS are inlined.

pyLDAvis's own HTML writers load d3 and LDAvis from CDNs and give the page a random element
id; this page works offline and is byte-identical for identical inputs.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyLDAvis
import pyLDAvis.urls
from numpy.typing import ArrayLike

ELEMENT_ID = "ldavis"


def _asset(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def prepare_ldavis(
    topic_term: ArrayLike,
    doc_topic: ArrayLike,
    doc_lengths: ArrayLike,
    vocab: Sequence[str],
    term_frequency: ArrayLike,
) -> str:
    """pyLDAvis's prepared data as JSON, topics in model order, numbered from 1.

    LDAvis's JavaScript reads topic 0 as "no topic selected", so page topic n is the model's
    topic n - 1 (`topic_{n-1}` in the tables).
    """
    prepared = pyLDAvis.prepare(
        topic_term_dists=np.asarray(topic_term, dtype=np.float64),
        doc_topic_dists=np.asarray(doc_topic, dtype=np.float64),
        doc_lengths=np.asarray(doc_lengths, dtype=np.int64),
        vocab=list(vocab),
        term_frequency=np.asarray(term_frequency, dtype=np.float64),
        n_jobs=1,  # no joblib worker processes on a shared 2-core machine
        sort_topics=False,  # keep the model's topic ids
        start_index=1,
    )
    return str(prepared.to_json())


def ldavis_page(prepared_json: str, title: str) -> str:
    """A complete HTML page with the LDAvis data, CSS and JavaScript inlined (no network)."""
    d3 = _asset(pyLDAvis.urls.D3_LOCAL)
    ldavis_js = _asset(pyLDAvis.urls.LDAVIS_LOCAL)
    css = _asset(pyLDAvis.urls.LDAVIS_CSS_LOCAL)
    data = prepared_json.replace("</", "<\\/")  # a word cannot close the script element
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
{css}
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div id="{ELEMENT_ID}" style="background-color:white;"></div>
<script>
{d3}
</script>
<script>
{ldavis_js}
</script>
<script>
new LDAvis("#{ELEMENT_ID}", {data});
</script>
</body>
</html>
"""

"""render.tag_items, the tags of a figure page built in Python (issue 16), gives the bytes of the
Jinja loop it replaced, for any labels and gene page names."""
from __future__ import annotations

import jinja2
from hypothesis import given, settings, strategies as st

from site_builder.render import Annotations, tag_items

LOOP = jinja2.Environment(autoescape=True).from_string(
    '{% for label, slug in tags %}<li{% if slug %} data-slug="{{ slug }}"{% endif %}>{{ label }}{% endfor %}')
KEYWORDS = jinja2.Environment(autoescape=True).from_string("{% for k in keywords %}<li>{{ k }}{% endfor %}")

TEXT = st.text(st.sampled_from(["a", "Z", "1", "-", "<", ">", "&", '"', "'", " ", "\0", "é", "\u2028"]), max_size=6)


@settings(max_examples=500, deadline=None)
@given(st.lists(TEXT, max_size=8, unique=True), st.dictionaries(TEXT, TEXT, max_size=4))
def test_tag_items_are_the_loop_s_bytes(labels: list[str], slugs: dict[str, str]) -> None:
    tags = [(label, slugs.get(label, "")) for label in labels]
    assert str(tag_items(labels, slugs)) == LOOP.render(tags=tags)
    assert str(tag_items(labels)) == KEYWORDS.render(keywords=labels)


def test_annotations_keep_their_tags_for_other_templates() -> None:
    section = Annotations("Genes", "h-genes", ("TP53", "tp53"), {"tp53": "tp53-2"}, "x.tsv.gz", linked=True)
    assert section.tags == [("TP53", ""), ("tp53", "tp53-2")]
    assert section.items == '<li>TP53<li data-slug="tp53-2">tp53'

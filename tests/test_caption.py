"""How a figure page folds a long caption (render.split_caption)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from site_builder.render import CAPTION_FOLD, CAPTION_LEAD_MAX, split_caption


def test_a_short_caption_is_shown_whole() -> None:
    assert split_caption("One  short\ncaption.") == (split_caption("One short caption."))
    assert split_caption("One short caption.").rest == ""


def test_a_long_caption_folds_at_a_sentence_end() -> None:
    caption = "The signalling pathway of interest in the cells shown here, drawn by hand. " + "More words follow. " * 40
    folded = split_caption(caption)
    assert folded.lead == "The signalling pathway of interest in the cells shown here, drawn by hand."
    assert folded.lead + " " + folded.rest == " ".join(caption.split())


def test_a_semicolon_does_not_end_the_lead() -> None:
    """Real record PMC6263441: panels listed with semicolons; the lead ended '(synthesis phase);'."""
    caption = ("Cell cycle control: (a) cyclins rise in G1 and fall in M (mitosis phase); (b) CDKs act in S "
               "(synthesis phase); (C) checkpoints halt the cycle. " + "More words follow here. " * 30)
    folded = split_caption(caption)
    assert folded.lead.endswith("the cycle.") and folded.rest.startswith("More words")


def test_a_cut_within_a_sentence_shows_an_ellipsis() -> None:
    """Real record PMC4092141: no sentence end early on, so the lead stopped mid-sentence with
    nothing to show it, under a toggle that said 'Full caption' and held only the rest."""
    caption = "regulated by dafachronic acid (DA) and other steroid ligands " * 20
    folded = split_caption(caption)
    assert folded.lead.endswith("…") and folded.rest.startswith("…") and len(folded.lead) <= CAPTION_LEAD_MAX + 1
    assert folded.lead[:-1] + " " + folded.rest[1:] == " ".join(caption.split())


@given(st.lists(st.sampled_from(["word", "Cell.", "(A)", "B;", "x" * 30, "\n", "  "]), min_size=1, max_size=300))
def test_lead_and_rest_read_as_the_caption(words: list[str]) -> None:
    text = " ".join(" ".join(words).split())
    folded = split_caption(" ".join(words))
    if len(text) <= CAPTION_FOLD:
        assert folded.lead == text and folded.rest == ""
    elif folded.lead.endswith("…") and folded.rest.startswith("…"):
        joined = folded.lead[:-1], folded.rest[1:]
        assert " ".join(joined) == text or "".join(joined) == text  # "": cut within a word longer than the lead
    else:
        assert folded.lead + " " + folded.rest == text


def test_a_figure_is_labelled_by_its_number_not_by_pmcs_id() -> None:
    """Real records give PMC's figure id as the number: 'Figure F7', 'Scheme S1', 'Figure Figure 2'."""
    from site_builder.render import figure_label
    assert figure_label("Figure", "F7") == "Figure 7"
    assert figure_label("Scheme", "S1") == "Scheme 1"
    assert figure_label("Supplemental figure", "SF1") == "Supplemental figure 1"
    assert figure_label("Figure", "Figure 2") == "Figure 2"
    assert figure_label("Figure", "F3b") == "Figure 3b"
    assert figure_label("Figure", "fig3") == "Figure 3"
    assert figure_label("Figure", "3-1") == "Figure 3-1"  # not an id of that shape: as it is
    assert figure_label("Figure", "") == "Figure"
    assert figure_label("", "F2") == ""

"""The JSON API of pfocr.wikipathways.org: the same paths and shapes, for the tools that read them
(e.g. an R enrichment workflow maps figures to image files with getFigureInfo.json).

    json/getFigureInfo.json          {"figureInfo": [{figid, url, pmcid, number, figtitle, year,
                                                      organisms, organisms_ner}, ...]}
    json/listFiguresByOrganism.json  {"organisms": [{latin, common, figures: [{figid}, ...]}, ...]}
    json/listOrganisms.json          {"organisms_by_ner": [{organism_id, organism_name, organism_group}, ...]}
    json/getCounts.json              {"figures": "<n>", "organisms": "<n>"}

Figures come in the order PFOCR gives them: by figid_alias, falling back to figid. Each object
sits on a line of its own (compact, yet a new figure changes one line of the file).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .model import Figure
from .species import common_name

FOLDER = "json"
FIGURE_INFO = f"{FOLDER}/getFigureInfo.json"
FIGURES_BY_ORGANISM = f"{FOLDER}/listFiguresByOrganism.json"
ORGANISMS = f"{FOLDER}/listOrganisms.json"
COUNTS = f"{FOLDER}/getCounts.json"
DOCS_PAGE = f"{FOLDER}/index.html"

# One figure of the API, computed with its chunk's download parts (see downloads.DownloadParts):
# (sort key: figid_alias or figid, figid, its getFigureInfo object as JSON text, its organisms).
FigureRow = tuple[str, str, str, tuple[str, ...]]
SpeciesRow = tuple[str, str, str]  # (NCBI Taxonomy ID, name, group) from the genes tables


@dataclass(frozen=True, slots=True)
class ApiFile:
    """One file of the API, as the documentation page describes it."""

    name: str
    shape: str
    description: str


FILES = (
    ApiFile("getFigureInfo.json",
            '{"figureInfo": [{"figid", "url", "pmcid", "number", "figtitle", "year", "organisms", "organisms_ner"}, ...]}',
            "Key metadata of every figure, sorted by figid_alias (the old figure ID), else figid. url is the "
            "figure's page; organisms (named in the paper) and organisms_ner (found in the figure by named-entity "
            "recognition) are species names joined by ', '."),
    ApiFile("listFiguresByOrganism.json",
            '{"organisms": [{"latin", "common", "figures": [{"figid"}, ...]}, ...]}',
            "The figures of each organism named in the papers. latin is the species name with spaces as "
            "underscores (Homo_sapiens); common is its common name, or empty."),
    ApiFile("listOrganisms.json",
            '{"organisms_by_ner": [{"organism_id", "organism_name", "organism_group"}, ...]}',
            "Every organism whose genes were matched in a figure, from the genes tables: its NCBI Taxonomy ID, "
            "name and group (Primates, Rodents, Bacteria, ...)."),
    ApiFile("getCounts.json",
            '{"figures": "<n>", "organisms": "<n>"}',
            "The number of figures and of organisms in listFiguresByOrganism.json, as strings."),
)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def one_line(value: str) -> str:
    return " ".join(value.split())


def names(values: Iterable[str]) -> str:
    return ", ".join(v for v in values if v and v != "NA")


def figure_row(figure: Figure, url: str) -> FigureRow:
    """The figure's part of the API; url is its page (absolute when the site's address is known)."""
    info = {
        "figid": figure.figid, "url": url, "pmcid": figure.pmcid, "number": figure.number,
        "figtitle": one_line(figure.title), "year": figure.year,
        "organisms": names(figure.known_organisms), "organisms_ner": names(figure.organisms_ner),
    }
    return figure.figid_alias or figure.figid, figure.figid, dumps(info), figure.known_organisms


def array_file(key: str, items: Iterable[str]) -> str:
    """{"key":[ one item per line ]} followed by a newline."""
    body = ",\n".join(items)
    return f'{{"{key}":[\n{body}{chr(10) if body else ""}]}}\n'


def api_files(rows: Iterable[FigureRow], species: Iterable[SpeciesRow]) -> Iterator[tuple[str, str]]:
    """The four files from every figure's row and the species of the genes tables."""
    ordered = sorted(rows, key=lambda row: (row[0], row[1]))
    yield FIGURE_INFO, array_file("figureInfo", (info for _, _, info, _ in ordered))
    by_organism: dict[str, list[str]] = {}
    for _, figid, _, organisms in ordered:
        for organism in organisms:
            by_organism.setdefault(organism, []).append(figid)
    organisms = sorted(by_organism, key=lambda name: (name.casefold(), name))
    yield FIGURES_BY_ORGANISM, array_file("organisms", (
        dumps({"latin": name.replace(" ", "_"), "common": common_name(name),
               "figures": [{"figid": figid} for figid in by_organism[name]]})
        for name in organisms
    ))
    known = sorted({row for row in species if row[1]})  # by organism_id (as PFOCR sorts it), then name
    yield ORGANISMS, array_file("organisms_by_ner", (
        dumps({"organism_id": taxid, "organism_name": name, "organism_group": group}) for taxid, name, group in known
    ))
    yield COUNTS, dumps({"figures": str(len(ordered)), "organisms": str(len(organisms))}) + "\n"

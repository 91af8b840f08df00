"""Species: the one table of well-known species (NCBI Taxonomy ID, common name, group), and
a figure's gene sets per species, the rule the per-species GMT files and the JSON API share.

The genes tables name the species of every matched gene (organism_id, organism_name,
organism_group); the table below only fills in what a record leaves out, and gives the common
names ("human", "mouse") that listFiguresByOrganism.json shows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # model.py imports this module: no import of model at run time
    from .model import Figure, GeneMention


class Species(NamedTuple):
    taxid: str  # NCBI Taxonomy ID
    common: str  # common English name, '' when there is none
    group: str  # PFOCR's organism_group


HUMAN = "Homo sapiens"
SPECIES: dict[str, Species] = {
    HUMAN: Species("9606", "human", "Primates"),
    "Mus musculus": Species("10090", "mouse", "Rodents"),
    "Rattus norvegicus": Species("10116", "rat", "Rodents"),
    "Danio rerio": Species("7955", "zebrafish", "Vertebrates"),
    "Drosophila melanogaster": Species("7227", "fruit fly", "Invertebrates"),
    "Caenorhabditis elegans": Species("6239", "roundworm", "Invertebrates"),
    "Saccharomyces cerevisiae": Species("4932", "baker's yeast", "Plants and Fungi"),
    "Schizosaccharomyces pombe": Species("4896", "fission yeast", "Plants and Fungi"),
    "Arabidopsis thaliana": Species("3702", "thale cress", "Plants and Fungi"),
    "Oryza sativa": Species("4530", "rice", "Plants and Fungi"),
    "Zea mays": Species("4577", "maize", "Plants and Fungi"),
    "Gallus gallus": Species("9031", "chicken", "Vertebrates"),
    "Xenopus laevis": Species("8355", "African clawed frog", "Vertebrates"),
    "Xenopus tropicalis": Species("8364", "western clawed frog", "Vertebrates"),
    "Bos taurus": Species("9913", "cattle", "Mammals"),
    "Sus scrofa": Species("9823", "pig", "Mammals"),
    "Ovis aries": Species("9940", "sheep", "Mammals"),
    "Equus caballus": Species("9796", "horse", "Mammals"),
    "Canis lupus familiaris": Species("9615", "dog", "Mammals"),
    "Felis catus": Species("9685", "cat", "Mammals"),
    "Oryctolagus cuniculus": Species("9986", "rabbit", "Mammals"),
    "Cavia porcellus": Species("10141", "guinea pig", "Rodents"),
    "Mesocricetus auratus": Species("10036", "golden hamster", "Rodents"),
    "Cricetulus griseus": Species("10029", "Chinese hamster", "Rodents"),
    "Macaca mulatta": Species("9544", "rhesus macaque", "Primates"),
    "Pan troglodytes": Species("9598", "chimpanzee", "Primates"),
    "Bombyx mori": Species("7091", "silkworm", "Invertebrates"),
    "Apis mellifera": Species("7460", "honey bee", "Invertebrates"),
    "Escherichia coli": Species("562", "", "Bacteria"),
}

# PFOCR's rule for its enrichment gene sets: a figure's set for a species needs at least this
# many distinct genes.
MIN_GENES = 3

# Older records (genes inside the front matter) were matched against HGNC, the human gene
# nomenclature, and FamPlex ("bioentities") families of human genes: their genes are human.
HUMAN_LEXICON_SOURCES = ("hgnc_", "bioentities_")


def common_name(name: str) -> str:
    known = SPECIES.get(name)
    return known.common if known else ""


def gene_species(gene: "GeneMention") -> str:
    """The species a gene was matched in: the genes table's organism_name, or human for a
    gene of an older record matched against the human lexicon; '' when unknown."""
    if gene.organism:
        return gene.organism
    return HUMAN if gene.source.startswith(HUMAN_LEXICON_SOURCES) else ""


def species_row(gene: "GeneMention") -> tuple[str, str, str]:
    """(NCBI Taxonomy ID, name, group) of a gene's species: the genes table's columns, else the
    table above; ('', '', '') when the species is unknown."""
    name = gene_species(gene)
    if not name:
        return "", "", ""
    known = SPECIES.get(name)
    taxid = gene.organism_id or (known.taxid if known else "")
    group = gene.organism_group or (known.group if known else "")
    return taxid, name, group


def gene_ids_by_species(figure: "Figure") -> dict[str, tuple[str, ...]]:
    """Species name -> the figure's distinct NCBI Gene IDs matched in it, in table order."""
    found: dict[str, dict[str, None]] = {}
    for gene in figure.genes:
        name = gene_species(gene) if gene.ncbigene_id else ""
        if name:
            found.setdefault(name, {})[gene.ncbigene_id] = None
    return {name: tuple(ids) for name, ids in found.items()}


def gene_sets(figure: "Figure") -> dict[str, tuple[str, ...]]:
    """The figure's enrichment gene sets: species -> NCBI Gene IDs, for the species in which
    it has at least MIN_GENES distinct genes (sorted by species name)."""
    return {name: ids for name, ids in sorted(gene_ids_by_species(figure).items()) if len(ids) >= MIN_GENES}

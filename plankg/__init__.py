"""plankg: Chinese district climate and low-carbon plans as one RDF knowledge graph."""

__version__ = "0.1.0"


def nlp(components: tuple[str, ...] | None = None):  # -> spacy.language.Language
    """A ready spaCy pipeline: blank Chinese with jieba and plankg's user dictionary, and the
    plankg components (measures, targets, units, places, money). Needs the `nlp` extra."""
    from plankg.components import COMPONENTS, pipeline

    return pipeline(components or COMPONENTS)

"""plankg: Chinese district climate and low-carbon plans as one RDF knowledge graph."""

__version__ = "0.1.0"

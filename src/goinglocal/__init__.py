"""goinglocal: a cited knowledge graph of China's subnational engagement with LAC."""

__version__ = "0.1.0"

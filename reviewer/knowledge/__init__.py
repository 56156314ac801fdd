"""The knowledge base: billing guidance documents, their index, and retrieval.

- :mod:`reviewer.knowledge.documents` loads and validates ``knowledge/*.md`` (light import);
- :mod:`reviewer.knowledge.embeddings` is the offline MiniLM embedding function for Chroma;
- :mod:`reviewer.knowledge.index` builds and opens the persistent Chroma index;
- :mod:`reviewer.knowledge.retrieve` searches it (``retrieve``, a LangChain retriever).

Nothing heavy is imported here.
"""

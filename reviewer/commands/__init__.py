"""One module per CLI subcommand. Each defines ``register(subparsers)``.

``register`` adds its parser and sets ``func`` to a callable ``run(args) -> int``. Heavy
libraries (Chroma, LangChain, Streamlit) are imported inside ``run``, never at module level,
so that ``reviewer review`` in rules mode starts fast.
"""

#: The subcommands, in the order ``reviewer --help`` lists them.
COMMANDS = ["review", "extract", "units", "rules", "batch", "worklist", "kb", "ui"]

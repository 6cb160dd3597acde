"""REFI-QDA exchange (ATLAS.ti, NVivo, MAXQDA, QualCoder, ...): the `.qdpx` project and `.qdc`
codebook formats, read and written. Pure of storage: `model` holds the project as values, `reader`
reads a file into them, `convention` turns a project into import records by DESIGN.md's convention
(and back: the codebook tree), `mapping` reads a project's own codebook map (`--map FILE.toml`),
`writer` writes a project or a codebook. The application glue is `pathways/qda.py`.
"""

NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
ROOT_CODE = "pathways"

"""Static files: compressed, with content hashes in their names, ES module imports included.

The page scripts are ES modules that import each other (``import … from "./chat-render.js"``).
Django rewrites those imports to the hashed names only when asked
(``support_js_module_import_aggregation``); without it a browser would load the unhashed
file, cached for a short time only, and could mix an old module with a new one after a
release.
"""

from servestatic.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

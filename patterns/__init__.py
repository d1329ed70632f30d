"""The built-in pattern files (YAML), shipped inside the package as extractor.builtin_patterns."""

"""Notes in, sections, concepts and relations out. Knows markdown and text, not HTTP."""

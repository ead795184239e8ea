"""HTTP in, calls on the graph and the index out. Knows Flask; knows no RDF or Whoosh."""

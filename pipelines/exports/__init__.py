"""What `gonghui export` writes: tables read from the published snapshot, never the warehouse."""

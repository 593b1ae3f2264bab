"""Platform edges: each folder translates one chat platform to and from the core."""

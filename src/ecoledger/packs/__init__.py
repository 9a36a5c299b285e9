"""Region-pack builders: derive GEP input layers from coarse real data."""

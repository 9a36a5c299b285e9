"""Protected areas and species (issue 19, item 5): registers, point layers and per-county indicators.

* ``register`` — the protected-area register: a user's layer read and checked (CRS, geometry,
  types and levels, duplicate names; overlaps reported, since nested designations overlap), the
  type and level codes, the fill-in template.
* ``species`` — the species table (cited protection class and IUCN category) and species records
  as a point layer, checked (coordinates, dates, species, inside the region or reported).
* ``indicators`` — per county, city and province: protected km² (union, exact overlay in the
  equal-area CRS), protected share, records in the county and inside protected areas, species.
* ``report`` — the tables, layers and bilingual page; ``demo`` — the Jiangxi demonstration
  (published areas as circles at the named county, published localities as points).
"""

"""Region packs: a folder with a ``pack.toml`` manifest, its layers and its statistics."""

from ecoledger.pack.manifest import LayerSpec, Pack, load_pack
from ecoledger.pack.validate import raise_if_invalid, validate_pack

__all__ = ["LayerSpec", "Pack", "load_pack", "raise_if_invalid", "validate_pack"]

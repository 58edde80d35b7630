"""The national reference any EPCI starts from: regions, departements, EPCIs and communes (with their
population and its year) of the npm package `@etalab/decoupage-administratif`, downloaded once from the npm
registry with its integrity pinned, cached in `$CDQ_NPM_CACHE` (default ~/.cache/coeur-de-quartier/npm).

`./dev import-national` loads it, then the shipped national QPV 2024 file: a contract of any EPCI with
QPVs (Creil, Denain, Saint-Quentin, Soissons…) can then be registered."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import httpx

from services.territories.imports.use_cases import COG_FILES

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"  # the COG 2026 (the package's README, « Millésimes et versions de package »)
# `dist.integrity` of the version in the registry's metadata (https://registry.npmjs.org/@etalab/decoupage-administratif)
INTEGRITY = "sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
# The communes' `population` of 6.0.0: INSEE's populations légales 2023, in force on 1 January 2026.
POPULATION_YEAR = 2023
REGISTRY = "https://registry.npmjs.org"


class NationalReferenceError(Exception):
    """The package could not be obtained or is not the one pinned."""


def npm_cache() -> Path:
    default = Path.home() / ".cache" / "coeur-de-quartier" / "npm"
    return Path(os.environ.get("CDQ_NPM_CACHE", default))


def tarball_url(registry: str = REGISTRY) -> str:
    return f"{registry}/{PACKAGE}/-/{PACKAGE.split('/')[1]}-{VERSION}.tgz"


def check_integrity(tarball: bytes, integrity: str = INTEGRITY) -> None:
    """The tarball is the one npm's lock would accept: its sha512 is the registry's `dist.integrity`."""
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise NationalReferenceError(
            f"{tarball_url()} does not match its pinned integrity {integrity} (got {algorithm}-{actual}):"
            " refusing to load it"
        )


def extract_data(tarball: bytes, directory: Path) -> None:
    """`package/data/<name>.json` of the four files the import reads, and nothing else, into `directory`."""
    wanted = {f"package/data/{name}": name for name in COG_FILES}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = wanted.pop(member.name, None)
            if name is None or not member.isfile():
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            (directory / name).write_bytes(source.read())
    if wanted:
        raise NationalReferenceError(f"{tarball_url()} lacks {', '.join(sorted(wanted))}")


def download(registry: str = REGISTRY) -> bytes:
    url = tarball_url(registry)
    try:
        response = httpx.get(url, timeout=120, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise NationalReferenceError(
            f"the npm registry could not be reached for {PACKAGE} {VERSION} ({url}): {error}."
            " Download it elsewhere and load its data/ directory with `./dev import-cog DIR"
            f" --population-year {POPULATION_YEAR}`"
        ) from error
    return response.content


def package_data(cache: Path | None = None, registry: str = REGISTRY) -> Path:
    """The directory of the package's data files: from the cache, or downloaded, checked and cached."""
    directory = (cache or npm_cache()) / f"decoupage-administratif-{VERSION}" / "data"
    if all((directory / name).is_file() for name in COG_FILES):
        return directory
    tarball = download(registry)
    check_integrity(tarball)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="data-", dir=directory.parent))
    try:
        extract_data(tarball, staging)
        (directory.parent / tarball_url().rsplit("/", 1)[1]).write_bytes(tarball)  # kept, as npm's cache does
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)  # whole or absent: a run cut short leaves no half cache
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory

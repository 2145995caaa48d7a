from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from backcoach.domain.catalogue import Catalogue, CatalogueError, load_catalogue
from backcoach.domain.vocab import CATEGORIES, EQUIPMENT, LEVELS, POSITIONS, TARGETS

REQUIRED_IDS = [
    "pelvic-tilt",
    "cat-stretch",
    "superman",
    "seated-rotational-stretch",
    "drawing-in-maneuver",
    "bird-dog",
    "bridge",
    "kettlebell-swing",
    "upper-trunk-rotation",
    "seated-back-extension",
    "partial-curl",
    "lying-lateral-leg-raise",
    "knee-to-chest",
    "double-knee-to-chest",
    "lower-back-rotational-stretch",
    "ankle-pump",
    "heel-slide",
    "straight-leg-raise",
    "wall-squat",
    "heel-raise",
    "prone-opposite-arm-leg",
    "abdominal-crunch",
]


def test_it_holds_every_required_exercise(catalogue: Catalogue) -> None:
    assert set(REQUIRED_IDS) <= set(catalogue.exercises)
    assert len(catalogue) >= 22


@pytest.mark.parametrize("exercise_id", REQUIRED_IDS)
def test_each_exercise_is_complete(catalogue: Catalogue, exercise_id: str) -> None:
    e = catalogue.get(exercise_id)
    assert e.category in CATEGORIES
    assert e.position in POSITIONS
    assert e.level in LEVELS
    assert set(e.equipment) <= set(EQUIPMENT)
    assert e.targets
    assert set(e.targets) <= set(TARGETS)
    assert len(e.steps) >= 3
    assert e.cues
    assert e.benefits
    assert e.muscles
    assert e.sources
    assert e.prescription_reason
    assert e.prescription_source in {s.file for s in e.sources}
    assert e.floor == (e.position in {"supine", "prone", "side-lying", "quadruped", "kneeling"})


def test_every_exercise_is_described_by_a_known_article(catalogue: Catalogue) -> None:
    for e in catalogue:
        for s in e.sources:
            assert s.file in catalogue.articles


def test_the_garbled_copies_are_marked_as_one_original(catalogue: Catalogue) -> None:
    a0 = catalogue.articles["000_9a4a757ee128db0d.txt"]
    a4 = catalogue.articles["004_c137bf83aa34133e.txt"]
    assert a0.same_original_as == a4.file
    assert a4.same_original_as == a0.file


def test_the_default_dose_never_exceeds_what_its_chosen_article_says(catalogue: Catalogue) -> None:
    for e in catalogue:
        chosen = e.source(e.prescription_source).prescription
        assert e.prescription == chosen, f"{e.id}: default differs from its chosen source"


def test_vague_doses_stay_empty(catalogue: Catalogue) -> None:
    # 001 says "a few seconds" and "a few times" or "as many as possible": never a guessed number.
    a1 = "001_917492650b7de0d0.txt"
    for exercise_id in ("superman", "drawing-in-maneuver"):
        p = catalogue.get(exercise_id).source(a1).prescription
        assert p.hold_s is None
        assert p.reps is None
    swing = catalogue.get("kettlebell-swing").prescription
    assert swing.reps is None
    assert swing.sets is None
    assert swing.hold_s is None


def test_the_garbled_floor_sitting_stretch_follows_the_chair_version(catalogue: Catalogue) -> None:
    e = catalogue.get("seated-rotational-stretch")
    assert e.equipment == ["chair"]
    assert not e.floor
    assert e.prescription_source != "000_9a4a757ee128db0d.txt"
    notes = " ".join(e.source("000_9a4a757ee128db0d.txt").notes).lower()
    assert "floor" in notes
    assert "chair" in notes


def test_equipment_is_where_the_articles_put_it(catalogue: Catalogue) -> None:
    assert catalogue.get("kettlebell-swing").equipment == ["kettlebell"]
    assert catalogue.get("wall-squat").equipment == ["wall"]
    for chair in ("upper-trunk-rotation", "seated-back-extension", "seated-rotational-stretch"):
        assert catalogue.get(chair).equipment == ["chair"]


def test_the_superman_offers_easier_and_harder_variations(catalogue: Catalogue) -> None:
    directions = {v.direction for v in catalogue.get("superman").variations}
    assert directions == {"easier", "harder"}


def test_build_up_targets_come_from_the_articles(catalogue: Catalogue) -> None:
    assert catalogue.get("pelvic-tilt").prescription.target_reps == 30
    assert catalogue.get("prone-opposite-arm-leg").prescription.target_reps == 20


def _copy_data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(str(files("backcoach") / "data"), root)
    return root


def test_a_broken_file_names_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "bridge.toml"
    path.write_text(path.read_text().replace('position = "supine"', 'position = "upside-down"'))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(root)
    message = str(err.value)
    assert "exercises/bridge.toml" in message
    assert "'bridge'" in message
    assert "'position'" in message


def test_a_bad_nested_value_names_its_path(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "superman.toml"
    path.write_text(path.read_text().replace("[prescription]\nreps = 10", "[prescription]\nreps = -1", 1))
    with pytest.raises(CatalogueError, match=r"superman\.toml: entry 'superman': field 'prescription\.reps'"):
        load_catalogue(root)


def test_an_unknown_field_is_rejected_by_name(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "heel-raise.toml"
    path.write_text('colour = "blue"\n' + path.read_text())
    with pytest.raises(CatalogueError, match=r"heel-raise\.toml: entry 'heel-raise': field 'colour'"):
        load_catalogue(root)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    (root / "exercises" / "cat-stretch.toml").write_text("id = ")
    with pytest.raises(CatalogueError, match=r"exercises/cat-stretch\.toml: not valid TOML"):
        load_catalogue(root)


def test_an_unknown_source_article_is_rejected(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "cat-stretch.toml"
    path.write_text(path.read_text().replace('file = "002_ae9366d53590484e.txt"', 'file = "999.txt"'))
    with pytest.raises(CatalogueError, match=r"cat-stretch\.toml: entry 'cat-stretch': field 'sources\.1\.file'"):
        load_catalogue(root)


def test_a_range_cannot_run_backwards(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "cat-stretch.toml"
    path.write_text(path.read_text().replace("reps_max = 5", "reps_max = 1", 1))
    with pytest.raises(CatalogueError, match="reps_max"):
        load_catalogue(root)


def test_a_stretch_that_claims_to_strengthen_a_muscle_group_is_rejected(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "exercises" / "knee-to-chest.toml"
    path.write_text(path.read_text().replace('targets = ["mobility"]', 'targets = ["mobility", "hips"]', 1))
    with pytest.raises(CatalogueError, match=r"knee-to-chest\.toml: entry 'knee-to-chest': .*targets: a stretch"):
        load_catalogue(root)


def test_every_stretch_counts_toward_mobility_only(catalogue: Catalogue) -> None:
    stretches = [e for e in catalogue if e.category == "stretch"]
    assert stretches
    for e in stretches:
        assert e.targets == ["mobility"], e.id
        assert e.muscles, f"{e.id} still names what it stretches"


def test_every_article_names_its_publisher(catalogue: Catalogue) -> None:
    for a in catalogue.articles.values():
        assert a.publisher
        assert a.cite.startswith(f'"{a.title}"')
        assert a.publisher in a.cite
        assert a.file not in a.cite


def test_an_article_without_a_publisher_is_rejected(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    path = root / "articles.toml"
    text = path.read_text()
    path.write_text(text.replace('publisher = "a fitness blog (publisher not named in our copy)"\n', "", 1))
    with pytest.raises(CatalogueError, match=r"articles\.toml: entry '002_ae9366d53590484e\.txt': field 'publisher'"):
        load_catalogue(root)


def test_the_superman_is_advanced_and_carries_its_extension_caution(catalogue: Catalogue) -> None:
    superman = catalogue.get("superman")
    assert superman.level == "advanced"
    assert any("bending backward" in c and "spread" in c for c in superman.cautions)

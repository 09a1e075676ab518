"""Transform specs from YAML: checking against torchvision's real signatures, building, seeding, recording."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from mlp_cli.augment.image.transforms import (
    REJECTED,
    ImagePipeline,
    TransformSpec,
    augment_image,
    check_transforms,
    transform_names,
)
from mlp_cli.errors import RecipeError
from tests.conftest import run_mlp

# Every transform the issue names, with arguments that make it act on a 48x40 test image.
REQUIRED: dict[str, object] = {
    "RandomResizedCrop": {"RandomResizedCrop": {"size": 24, "antialias": True}},
    "RandomRotation": {"RandomRotation": {"degrees": [20, 40]}},
    "RandomHorizontalFlip": {"RandomHorizontalFlip": {"p": 1.0}},
    "RandomVerticalFlip": {"RandomVerticalFlip": {"p": 1.0}},
    "Grayscale": {"Grayscale": {"num_output_channels": 3}},
    "RandomGrayscale": {"RandomGrayscale": {"p": 1.0}},
    "GaussianBlur": {"GaussianBlur": {"kernel_size": 5, "sigma": [1.0, 2.0]}},
    "RandomInvert": {"RandomInvert": {"p": 1.0}},
    "ColorJitter": {"ColorJitter": {"brightness": 0.5, "contrast": 0.5, "saturation": 0.5, "hue": 0.2}},
    "RandomPosterize": {"RandomPosterize": {"bits": 2, "p": 1.0}},
    "RandomSolarize": {"RandomSolarize": {"threshold": 100, "p": 1.0}},
    "RandomErasing": {"RandomErasing": {"p": 1.0, "value": 0}},
    "JPEG": {"JPEG": {"quality": 5}},
    "AutoAugment": {"AutoAugment": {"policy": "cifar10"}},
    "RandAugment": {"RandAugment": {"num_ops": 3, "magnitude": 15}},
    "TrivialAugmentWide": "TrivialAugmentWide",
    "AugMix": {"AugMix": {"severity": 5}},
    "GaussianNoise": {"GaussianNoise": {"sigma": 0.2}},  # tensor-only in torchvision
}

# Those whose output depends on the seed (the others, with p=1, are fixed operations).
DRAWS_PARAMETERS = {
    "RandomResizedCrop",
    "RandomRotation",
    "GaussianBlur",
    "ColorJitter",
    "RandomErasing",
    "AutoAugment",
    "RandAugment",
    "TrivialAugmentWide",
    "AugMix",
    "GaussianNoise",
}


def _image(width: int = 48, height: int = 40, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def _bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _pipeline(spec: list) -> ImagePipeline:
    return ImagePipeline(check_transforms(spec, ("transforms",)))


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_each_required_transform_changes_the_image_reproducibly(name):
    spec = REQUIRED[name]
    pipeline = _pipeline([spec])
    image = _image()
    outputs = set()
    for seed in range(4):
        first, applied = augment_image(pipeline, image, seed)
        again, applied_again = augment_image(pipeline, image, seed)
        assert _bytes(first) == _bytes(again), "same seed must give the same pixels"
        assert applied == applied_again
        assert [a["transform"] for a in applied] == [name]
        outputs.add(_bytes(first))
    assert outputs - {_bytes(image)}, f"{name} never changed the image"
    if name in DRAWS_PARAMETERS:
        assert len(outputs) > 1, f"{name} gave the same image for every seed"


def test_required_transforms_cover_the_issue_list():
    issue = {
        "RandomResizedCrop",
        "RandomRotation",
        "RandomHorizontalFlip",
        "RandomVerticalFlip",
        "Grayscale",
        "RandomGrayscale",
        "GaussianBlur",
        "RandomInvert",
        "ColorJitter",
        "RandomPosterize",
        "RandomSolarize",
        "RandomErasing",
        "JPEG",
        "AutoAugment",
        "RandAugment",
        "TrivialAugmentWide",
        "AugMix",
    }
    assert issue <= set(REQUIRED)
    assert issue <= set(transform_names())


def test_flip_is_recorded_only_when_it_applies():
    never = _pipeline([{"RandomHorizontalFlip": {"p": 0.0}}])
    always = _pipeline([{"RandomHorizontalFlip": {"p": 1.0}}])
    image = _image()
    out, applied = augment_image(never, image, 1)
    assert applied == [] and _bytes(out) == _bytes(image)
    out, applied = augment_image(always, image, 1)
    assert applied == [{"transform": "RandomHorizontalFlip"}]
    assert _bytes(out) == _bytes(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT))


def test_sampled_parameters_are_recorded():
    pipeline = _pipeline([{"RandomResizedCrop": {"size": 16}}])
    _, applied = augment_image(pipeline, _image(), 3)
    params = applied[0]["params"]
    assert set(params) == {"top", "left", "height", "width"}
    assert all(isinstance(v, int) for v in params.values())


def test_random_apply_nests_and_is_all_or_nothing():
    spec = [{"RandomApply": {"p": 0.5, "transforms": ["RandomInvert", {"RandomHorizontalFlip": {"p": 1.0}}]}}]
    pipeline = _pipeline(spec)
    seen = set()
    for seed in range(20):
        _, applied = augment_image(pipeline, _image(), seed)
        names = tuple(a["transform"] for a in applied)
        assert names in ((), ("RandomHorizontalFlip",), ("RandomInvert", "RandomHorizontalFlip")), names
        seen.add(bool(names))
    assert seen == {True, False}


def test_random_choice_applies_exactly_one():
    spec = [{"RandomChoice": {"transforms": [{"RandomInvert": {"p": 1}}, {"RandomVerticalFlip": {"p": 1}}]}}]
    pipeline = _pipeline(spec)
    picked = set()
    for seed in range(20):
        _, applied = augment_image(pipeline, _image(), seed)
        assert len(applied) == 1
        picked.add(applied[0]["transform"])
    assert picked == {"RandomInvert", "RandomVerticalFlip"}


def test_random_order_applies_all_in_varying_order():
    spec = [{"RandomOrder": {"transforms": [{"RandomInvert": {"p": 1}}, {"RandomVerticalFlip": {"p": 1}}, "Identity"]}}]
    pipeline = _pipeline(spec)
    orders = set()
    for seed in range(20):
        _, applied = augment_image(pipeline, _image(), seed)
        orders.add(tuple(a["transform"] for a in applied))
    assert all(sorted(o) == ["Identity", "RandomInvert", "RandomVerticalFlip"] for o in orders)
    assert len(orders) > 1


def test_nesting_three_levels_deep_parses_and_round_trips():
    spec = [
        {
            "RandomApply": {
                "p": 0.9,
                "transforms": [
                    {
                        "RandomChoice": {
                            "transforms": [
                                {"RandomOrder": {"transforms": ["RandomInvert", {"GaussianBlur": {"kernel_size": 3}}]}},
                                "RandomEqualize",
                            ]
                        }
                    },
                ],
            }
        },
    ]
    parsed = check_transforms(spec, ("transforms",))
    assert [p.to_json() for p in parsed] == spec
    assert check_transforms([p.to_json() for p in parsed], ("transforms",)) == parsed


def test_empty_pipeline_returns_the_image():
    image = _image()
    out, applied = augment_image(ImagePipeline([]), image, 0)
    assert out is image and applied == []


def _problems(spec) -> list[tuple[tuple, str]]:
    with pytest.raises(RecipeError) as info:
        check_transforms(spec, ("transforms",))
    return info.value.problems


def test_unknown_transform_suggests_the_close_name():
    [(loc, message)] = _problems(["RandomHorizontalFlp"])
    assert loc == ("transforms", 0)
    assert "did you mean 'RandomHorizontalFlip'" in message


def test_unknown_argument_is_named_with_the_accepted_ones():
    [(loc, message)] = _problems([{"RandomResizedCrop": {"size": 8, "sclae": [0.5, 1]}}])
    assert loc == ("transforms", 0, "RandomResizedCrop", "sclae")
    assert "did you mean 'scale'" in message
    assert "accepted: size, scale, ratio, interpolation, antialias" in message


def test_missing_required_argument_is_named():
    [(loc, message)] = _problems(["RandomRotation"])
    assert loc == ("transforms", 0) and "needs argument 'degrees'" in message


def test_bad_values_are_caught_by_building_the_transform():
    [(loc, message)] = _problems([{"GaussianBlur": {"kernel_size": 4}}])
    assert loc == ("transforms", 0, "GaussianBlur") and "odd" in message


def test_nested_problems_have_nested_locations():
    problems = _problems([{"RandomApply": {"transforms": ["Rotate", {"JPEG": {"qualty": 5}}]}}])
    locs = [loc for loc, _ in problems]
    assert ("transforms", 0, "RandomApply", "transforms", 0) in locs
    assert ("transforms", 0, "RandomApply", "transforms", 1, "JPEG", "qualty") in locs


@pytest.mark.parametrize("name", ["Normalize", "Lambda", "ToDtype", "FiveCrop", "MixUp", "ToTensor"])
def test_transforms_that_cannot_make_an_image_file_are_refused_with_a_reason(name):
    [(loc, message)] = _problems([name])
    assert name in message and REJECTED[name] in message


@pytest.mark.parametrize(
    "spec",
    [
        "RandomInvert",  # not a list
        [["RandomInvert"]],
        [{"RandomInvert": {}, "RandomVerticalFlip": {}}],
        [{"RandomInvert": [0.5]}],
        [{"RandomApply": {"transforms": []}}],
        [{"RandomApply": {"transforms": "RandomInvert"}}],
        [7],
        [None],
    ],
)
def test_malformed_specs_are_recipe_errors(spec):
    assert _problems(spec)


def test_enum_arguments_are_written_as_text():
    assert check_transforms([{"AutoAugment": {"policy": "SVHN"}}], ())
    [(loc, message)] = _problems([{"AutoAugment": {"policy": "cifar100"}}])
    assert "imagenet, cifar10, svhn" in message


def test_bare_name_and_null_arguments_are_the_same():
    assert check_transforms(["RandomInvert"], ()) == check_transforms([{"RandomInvert": None}], ())
    assert check_transforms(["RandomInvert"], ()) == [TransformSpec("RandomInvert")]


_names = st.sampled_from(["RandomInvert", "RandomApply", "RandomChoice", "GaussianBlur", "Resize", "Nope", "Normalize"])
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["p", "size", "transforms", "kernel_size", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
_items = st.recursive(
    _names | _values,
    lambda inner: st.dictionaries(
        _names,
        st.dictionaries(
            st.sampled_from(["p", "transforms", "size", "kernel_size"]), inner | st.lists(inner, max_size=3), max_size=2
        ),
        min_size=1,
        max_size=1,
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items, max_size=4) | _values)
def test_any_yaml_value_is_parsed_or_a_recipe_error_never_a_crash(spec):
    try:
        parsed = check_transforms(spec, ("transforms",))
    except RecipeError as exc:
        assert exc.problems and all(loc[0] == "transforms" for loc, _ in exc.problems)
    else:
        ImagePipeline(parsed)


def test_a_bad_transform_in_a_recipe_exits_2_with_file_line(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\ninput: {path: imgs}\ntransforms:\n  - RandomHorizontalFlip\n"
        "  - RandomResizedCrop: {size: 224, scael: [0.5, 1.0]}\n"
    )
    r = run_mlp("recipe", "validate", recipe)
    assert r.exit_code == 2
    assert f"{recipe}:5:" in r.stderr and "did you mean 'scale'" in r.stderr
    r = run_mlp("augment", recipe, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()

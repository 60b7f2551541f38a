"""The paper protocol: strip stitching/cutting round trips and its documented edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.metrics.paper_protocol import cut_strip, load_png, save_png, score_paper_protocol, stitch_strip


def _no_blank_columns(n: int, c: int = 1, seed: int = 0) -> np.ndarray:
    """Images with no blank column anywhere (every column has a non-zero pixel)."""
    shape = (n, 28, 28) if c == 1 else (n, 28, 28, c)
    return np.random.default_rng(seed).integers(1, 256, shape, dtype=np.uint8)


def test_stitch_matches_torchvision_make_grid():
    make_grid = pytest.importorskip("torchvision.utils", reason="the full extra").make_grid
    imgs = _no_blank_columns(5)
    grid = make_grid(torch.from_numpy(imgs)[:, None], nrow=5, padding=2, pad_value=0)  # (3, H, W), grey -> RGB
    assert np.array_equal(stitch_strip(imgs), grid[0].numpy())
    assert stitch_strip(imgs).shape == (32, 5 * 30 + 2)


@pytest.mark.parametrize("channels", [1, 3])
def test_round_trip_through_png_is_exact(tmp_path, channels):
    imgs = _no_blank_columns(5, channels)
    path = save_png(stitch_strip(imgs), tmp_path / "samples.png")
    strip = load_png(path, mode="L" if channels == 1 else "RGB")
    pieces = cut_strip(strip, n_expected=5)
    assert len(pieces) == 5
    for piece, img in zip(pieces, imgs):
        assert np.array_equal(piece, img)


def test_rgb_png_of_grey_images_reads_back_exactly(tmp_path):
    """torchvision saves grey samples as RGB; mode "L" recovers the grey values exactly."""
    imgs = _no_blank_columns(3)
    rgb = np.repeat(stitch_strip(imgs)[..., None], 3, axis=-1)
    strip = load_png(save_png(rgb, tmp_path / "rgb.png"), mode="L")
    assert [np.array_equal(p, i) for p, i in zip(cut_strip(strip), imgs)] == [True] * 3


def test_blank_margins_are_trimmed_and_stretched():
    """MNIST-like digits with empty outer columns: the authors' cut loses them; resize restores 28x28."""
    imgs = np.zeros((3, 28, 28), dtype=np.uint8)
    imgs[:, 4:24, 6:20] = 200
    pieces = cut_strip(stitch_strip(imgs), n_expected=3)
    assert len(pieces) == 3 and all(p.shape == (28, 28) for p in pieces)
    assert (pieces[0][:, 0] > 0).any()  # stretched: the digit now touches the left edge
    exact = cut_strip(stitch_strip(imgs), n_expected=3, method="layout")
    assert all(np.array_equal(p, i) for p, i in zip(exact, imgs))


def test_inner_blank_column_is_repaired_with_expected_count():
    imgs = _no_blank_columns(4, seed=1)
    imgs[1, :, 10:11] = 0  # an image split in two by a blank column (narrower than the 2 px separators)
    strip = stitch_strip(imgs)
    assert len(cut_strip(strip)) == 5  # without the expected count the piece count is wrong
    with pytest.warns(UserWarning, match="known layout"):
        pieces = cut_strip(strip, n_expected=4)
    assert all(np.array_equal(p, i) for p, i in zip(pieces, imgs))
    # a strip of unknown layout (cropped) falls back to merging across the narrowest gap
    with pytest.warns(UserWarning, match="narrowest"):
        merged = cut_strip(strip[:, 1:], n_expected=4)
    assert len(merged) == 4 and np.array_equal(merged[1], imgs[1])


def test_all_blank_image_without_layout_raises():
    imgs = _no_blank_columns(3, seed=2)
    imgs[2] = 0
    with pytest.raises(ValueError, match="expected 3"):
        cut_strip(stitch_strip(imgs)[:, 1:], n_expected=3)


def test_score_paper_protocol_ssim(tmp_path):
    reals = _no_blank_columns(8, seed=3)
    out = score_paper_protocol(reals[:5], reals, strip_path=tmp_path / "s.png")
    assert out["n_pieces"] == 5 and out["ssim"] == pytest.approx(1.0)
    assert np.isnan(out["fid"])  # no extractor given

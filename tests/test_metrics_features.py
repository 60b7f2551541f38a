"""Weight fetching (no network), the feature-network registry and wrappers, the feature classifier."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

import qgen.fetch as fetch
from qgen.errors import DataIntegrityError, DownloadError, MirrorFileMissingError
from qgen.fetch import RemoteFile, file_checksum
from qgen.metrics import weights as W
from qgen.metrics.classifier import load_feature_classifier, train_feature_classifier
from qgen.metrics.features import FEATURES, build_feature_extractor, extract_features


def _offline(*args, **kwargs):
    raise OSError("network disabled in tests")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any download attempt fails as it does on machines without internet, whatever the route."""
    import socket

    monkeypatch.setattr(fetch, "urlopen", _offline)
    monkeypatch.setattr(socket.socket, "connect", _offline)


@pytest.fixture
def toy_spec(monkeypatch, tmp_path):
    payload = b"pretend these are weights"
    spec = RemoteFile("toy-weights.pth", hashlib.sha256(payload).hexdigest(),
                      ("https://example.invalid/toy-weights.pth",), algorithm="sha256")
    monkeypatch.setitem(W.WEIGHT_SPECS, "toy", spec)
    return spec, payload


def test_checksum_mismatch_deletes_and_explains(tmp_path, toy_spec):
    spec, _ = toy_spec
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"something else")
    with pytest.raises(DataIntegrityError) as err:
        W.fetch_weights("toy", tmp_path / "cache", local_path=bad)
    msg = str(err.value)
    assert "toy-weights.pth" in msg and spec.checksum in msg
    assert hashlib.sha256(b"something else").hexdigest() in msg
    assert spec.urls[0] in msg and "metrics.weights.toy" in msg and "features: classifier" in msg
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written left behind


def test_real_spec_rejects_wrong_local_file(tmp_path):
    fake = tmp_path / "weights.pth"
    fake.write_bytes(b"not inception")
    with pytest.raises(DataIntegrityError, match="checksum mismatch.*6726825d0af5f729"):
        W.fetch_weights("inception_fid", tmp_path / "cache", local_path=fake)


def test_local_path_route_copies_and_caches(tmp_path, toy_spec):
    spec, payload = toy_spec
    src = tmp_path / "mirror.pth"
    src.write_bytes(payload)
    path = W.fetch_weights("toy", tmp_path / "cache", local_path=src)
    assert path == tmp_path / "cache" / "toy-weights.pth" and path.read_bytes() == payload
    src.unlink()
    assert W.fetch_weights("toy", tmp_path / "cache") == path  # cached copy, no download needed


def test_download_route_verifies(tmp_path, toy_spec, monkeypatch):
    import io

    spec, payload = toy_spec
    monkeypatch.setattr(fetch, "urlopen", lambda request, timeout: io.BytesIO(payload))
    assert W.fetch_weights("toy", tmp_path).read_bytes() == payload
    monkeypatch.setattr(fetch, "urlopen", lambda request, timeout: io.BytesIO(b"corrupted"))
    with pytest.raises(DataIntegrityError, match="checksum mismatch"):
        W.fetch_weights("toy", tmp_path / "other")


def test_clear_error_when_no_route_works(tmp_path, toy_spec):
    spec, _ = toy_spec
    with pytest.raises(DownloadError) as err:
        W.fetch_weights("toy", tmp_path)
    assert "download of toy-weights.pth failed" in str(err.value)
    assert f"download it by hand from {spec.urls[0]}" in str(err.value)
    with pytest.raises(MirrorFileMissingError, match="does not exist"):
        W.fetch_weights("toy", tmp_path, local_path=tmp_path / "missing.pth")


def test_registry_lists_entries_and_rejects_unknown():
    assert {"inception_fid", "inception_torchvision", "classifier"} <= set(FEATURES.names())
    with pytest.raises(KeyError, match="inception_fid"):
        FEATURES.get("inception")
    with pytest.raises(KeyError, match="known"):
        W.fetch_weights("nope", ".")


def _register_random_weights(monkeypatch, tmp_path: Path, name: str, state_dict: dict) -> Path:
    path = tmp_path / f"{name}.pth"
    torch.save(state_dict, path)
    digest = file_checksum(path, "sha256")
    old = W.WEIGHT_SPECS[name]
    monkeypatch.setitem(W.WEIGHT_SPECS, name, RemoteFile(old.filename, digest, old.urls, algorithm="sha256"))
    return path


def test_inception_fid_wrapper_shapes(monkeypatch, tmp_path):
    """Architecture and input handling with random weights (the real ones cannot be downloaded here)."""
    tfi = pytest.importorskip("torch_fidelity.feature_extractor_inceptionv3", reason="the full extra")

    with monkeypatch.context() as m:  # build the architecture once with its random init
        m.setattr(tfi, "load_state_dict_from_url", lambda *a, **k: {})
        m.setattr(tfi.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd, *a, **k: None)
        sd = tfi.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).state_dict()
    path = _register_random_weights(monkeypatch, tmp_path, "inception_fid", sd)
    net = build_feature_extractor("inception_fid", weights_path=path, cache_dir=tmp_path / "cache")
    x = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    feats, logits = extract_features(net, x, with_logits=True)
    assert feats.shape == (2, 2048) and logits.shape == (2, 1008) and np.isfinite(feats).all()
    assert net.num_features == 2048


def test_inception_torchvision_wrapper_shapes(monkeypatch, tmp_path):
    inception_v3 = pytest.importorskip("torchvision.models", reason="the full extra").inception_v3

    sd = inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict()
    path = _register_random_weights(monkeypatch, tmp_path, "inception_torchvision", sd)
    net = build_feature_extractor("inception_torchvision", weights_path=path, cache_dir=tmp_path / "cache")
    x = np.random.default_rng(0).integers(0, 256, (2, 28, 28, 3), dtype=np.uint8)
    feats, logits = extract_features(net, x, with_logits=True)
    assert feats.shape == (2, 2048) and logits.shape == (2, 1000) and np.isfinite(feats).all()


def _digits(n: int = 600):
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = (d.images[:n] / 16 * 255).astype(np.uint8)  # (n, 8, 8) real handwritten digits
    return imgs, d.target[:n]


def test_feature_classifier_is_deterministic_and_reloads(tmp_path):
    imgs, labels = _digits()
    kwargs = dict(n_classes=10, seed=3, epochs=8, batch_size=64, image_size=16, feat_dim=32)
    m1 = train_feature_classifier(imgs, labels, save_path=tmp_path / "clf.pt", **kwargs)
    m2 = train_feature_classifier(imgs, labels, **kwargs)
    for (k, v1), v2 in zip(m1.state_dict().items(), m2.state_dict().values()):
        assert torch.equal(v1, v2), k
    assert m1.train_accuracy > 0.8  # well above chance (0.1)
    loaded = build_feature_extractor("classifier", weights_path=tmp_path / "clf.pt")
    f1 = extract_features(m1, imgs[:10])
    assert f1.shape == (10, 32)
    assert np.allclose(extract_features(loaded, imgs[:10]), f1)
    assert load_feature_classifier(tmp_path / "clf.pt").num_classes == 10
    with pytest.raises(ValueError, match="state dict"):
        build_feature_extractor("classifier")


def test_fetch_weights_command_links_the_verified_file_once(toy_spec, tmp_path):
    """The rule's output is a hard link to the checked cache file; a rerun leaves no stray file."""
    import argparse
    import os

    from qgen.cli.scoring import fetch_weights as fetch_weights_command

    _, payload = toy_spec
    local = tmp_path / "mine.pth"
    local.write_bytes(payload)
    out = tmp_path / "resources" / "weights" / "toy.pth"
    for _ in range(2):
        fetch_weights_command(argparse.Namespace(name="toy", out=str(out), local=str(local)))
    assert out.read_bytes() == payload and os.stat(out).st_nlink == 2
    assert sorted(p.name for p in out.parent.iterdir()) == [".cache", "toy.pth"]


def test_inception_without_the_full_extra_names_the_fix(monkeypatch, tmp_path):
    """On a CPU-only install (no torchvision) choosing Inception features says how to get them."""
    import sys

    from qgen.errors import QgenError

    for module in ("torchvision.models", "torch_fidelity.feature_extractor_inceptionv3"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"x")
    with pytest.raises(QgenError, match=r"full extra.*features: classifier"):
        from qgen.metrics.features import InceptionTorchvision

        InceptionTorchvision(weights)

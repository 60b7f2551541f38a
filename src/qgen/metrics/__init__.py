"""Image-quality metrics: feature networks, FID/KID/IS/PRDC, SSIM and the S1 paper protocol."""

from qgen.metrics.classifier import (
    FeatureClassifier,
    load_feature_classifier,
    save_feature_classifier,
    train_feature_classifier,
)
from qgen.metrics.features import (
    FEATURES,
    FeatureExtractor,
    LogitsView,
    build_feature_extractor,
    extract_features,
)
from qgen.metrics.frechet import (
    FrechetReference,
    fid_from_features,
    fid_sample_size_study,
    frechet_distance,
    gaussian_stats,
    summarise_sample_size_study,
)
from qgen.metrics.images import to_float_nchw, to_uint8_nhwc
from qgen.metrics.paper_protocol import cut_strip, load_png, save_png, score_paper_protocol, stitch_strip
from qgen.metrics.scores import (
    KIDResult,
    adaptive_subset_size,
    inception_score_from_logits,
    kid_from_features,
    prdc_from_features,
)
from qgen.metrics.ssim import ssim_nearest, ssim_paired, ssim_random_pairs, ssim_values
from qgen.metrics.torchmetrics_path import torchmetrics_fid, torchmetrics_inception_score, torchmetrics_kid
from qgen.metrics.weights import WEIGHT_SPECS, fetch_weights

__all__ = [
    "FEATURES",
    "FeatureClassifier",
    "FeatureExtractor",
    "FrechetReference",
    "KIDResult",
    "LogitsView",
    "WEIGHT_SPECS",
    "adaptive_subset_size",
    "build_feature_extractor",
    "cut_strip",
    "extract_features",
    "fetch_weights",
    "fid_from_features",
    "fid_sample_size_study",
    "frechet_distance",
    "gaussian_stats",
    "inception_score_from_logits",
    "kid_from_features",
    "load_feature_classifier",
    "load_png",
    "prdc_from_features",
    "save_feature_classifier",
    "save_png",
    "score_paper_protocol",
    "ssim_nearest",
    "ssim_paired",
    "ssim_random_pairs",
    "ssim_values",
    "stitch_strip",
    "summarise_sample_size_study",
    "to_float_nchw",
    "to_uint8_nhwc",
    "torchmetrics_fid",
    "torchmetrics_inception_score",
    "torchmetrics_kid",
    "train_feature_classifier",
]

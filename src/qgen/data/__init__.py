"""Datasets for qgen: fetch (MD5-checked, mirror or web), standardise, load, and tensorise.

Registered datasets: ``mnist``, ``fashion_mnist``, ``mnist_t10k`` (MNIST's test split divided
into train/test: the fallback for machines without MNIST's training images), ``digits``
(scikit-learn's real 8x8 digits in an MNIST frame, offline), and MedMNIST 2D flags such as
``pathmnist`` / ``retinamnist`` (28 px) and ``retinamnist_64`` (64 px), and ``retina_standin`` /
``retina_standin_64`` (views of a fundus photograph packaged with scikit-image: RetinaMNIST's
offline stand-in, named as such everywhere).
"""

from qgen.data import digits as _digits  # noqa: F401  (registers "digits")
from qgen.data import medmnist_sets as _medmnist_sets  # noqa: F401  (registers MedMNIST flags)
from qgen.data import mnist as _mnist  # noqa: F401  (registers "mnist", "fashion_mnist", "mnist_t10k")
from qgen.data import retina_standin as _retina_standin  # noqa: F401  (registers "retina_standin", "retina_standin_64")
from qgen.fetch import MIRROR_ENV, RemoteFile, md5_file
from qgen.data.errors import DataIntegrityError, DownloadError, MirrorFileMissingError, QgenDataError
from qgen.data.loading import ImageSet, first_n, load_split
from qgen.data.prepare import prepare_dataset, split_path
from qgen.data.registry import DATASETS, DatasetInfo, DatasetSpec, dataset_info, get_dataset
from qgen.data.tensors import from_model_tensor, to_model_tensor

__all__ = [
    "DATASETS",
    "MIRROR_ENV",
    "DataIntegrityError",
    "DatasetInfo",
    "DatasetSpec",
    "DownloadError",
    "ImageSet",
    "MirrorFileMissingError",
    "QgenDataError",
    "RemoteFile",
    "dataset_info",
    "first_n",
    "from_model_tensor",
    "get_dataset",
    "load_split",
    "md5_file",
    "prepare_dataset",
    "split_path",
    "to_model_tensor",
]

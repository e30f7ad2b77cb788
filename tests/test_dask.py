"""Classes trained on a dask.distributed cluster give the sequential result.

Two things once made this hang or differ: dask.distributed serialised the
returned Keras 3 generator with its Keras-2 serializer, failed, and joblib
waited forever for the result; and a worker's event loop draws from Python's
``random`` while Keras draws layer seeds from it, so the networks depended on
timing. The dask fit runs in a thread under a time limit, so that a hang fails
the test instead of blocking the run.
"""

import faulthandler
import random
import tempfile
import threading

import joblib
import numpy as np
import pytest
from conftest import SMALL_GAN, digits_subset

from gansampler import DCGANOverSampler
from gansampler._seeding import python_random_seeded
from gansampler.architectures import build_gan

# Seconds the dask fit may take, worker start-up (importing TensorFlow)
# included: about 15 s on two idle CPU cores.
TIME_LIMIT = 120

SMALL = dict(SMALL_GAN, updates=2, batch_size=16, random_state=0)


def digits():
    return digits_subset({0: 40, 1: 20, 2: 16})


def _fit_on_dask(X, y, out):
    try:
        with joblib.parallel_backend("dask"):
            sampler = DCGANOverSampler(n_jobs=-1, **SMALL)
            out["result"] = (sampler, *sampler.fit_resample(X, y))
    except BaseException as error:  # handed to the test's thread
        out["error"] = error


def _stacks():
    with tempfile.TemporaryFile("w+") as file:
        faulthandler.dump_traceback(file, all_threads=True)
        file.seek(0)
        return file.read()


def test_networks_do_not_depend_on_other_threads_drawing_from_random():
    def weights():
        with python_random_seeded(7):
            networks = build_gan("conv", (8, 8, 1), latent_dim=16, generator_filters=8)
        return [w for network in networks for w in network.get_weights()]

    quiet = weights()
    stop = threading.Event()

    def draw():  # as a dask worker's event loop does, a few times a second
        while not stop.is_set():
            random.random()

    thread = threading.Thread(target=draw)
    thread.start()
    try:
        busy = weights()
    finally:
        stop.set()
        thread.join()
    for a, b in zip(quiet, busy, strict=True):
        np.testing.assert_array_equal(a, b)


def test_dask_cluster_gives_the_sequential_result():
    distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra")
    import dask

    X, y = digits()
    with (
        # Forked workers would inherit this process's TensorFlow threads.
        dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}),
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            memory_limit=0,  # a paused worker would look like a hang
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out = {}
        with distributed.get_task_stream(client) as stream:
            thread = threading.Thread(target=_fit_on_dask, args=(X, y, out))
            thread.daemon = True
            thread.start()
            # The sequential fit runs here while the workers start.
            sequential = DCGANOverSampler(**SMALL)
            X_seq, y_seq = sequential.fit_resample(X, y)
            thread.join(TIME_LIMIT)
            if thread.is_alive():
                pytest.fail(f"the dask fit took over {TIME_LIMIT} s\n{_stacks()}")
        if "error" in out:
            raise out["error"]
        workers = {task["worker"] for task in stream.data}
        assert workers and workers <= set(client.scheduler_info()["workers"])

    sampler, X_res, y_res = out["result"]
    np.testing.assert_array_equal(X_res, X_seq)
    np.testing.assert_array_equal(y_res, y_seq)
    assert sampler.history_ == sequential.history_
    assert sampler.quality_ == sequential.quality_
    # The generators came back from the workers as working Keras models.
    for label in (1, 2):
        np.testing.assert_array_equal(
            sampler.generate(label, 5, random_state=0),
            sequential.generate(label, 5, random_state=0),
        )

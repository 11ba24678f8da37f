"""Azure Blob Storage (Azurite, well-known dev account): C writes, C and
zarr-python (obstore) read, and the reverse; raw blobs checked through
azure-storage-blob."""

from __future__ import annotations

import os
import uuid

import numpy as np
import pytest
import zarr

import libzarr
from servers import Azurite


@pytest.fixture
def container(azurite):
    from azure.storage.blob import BlobServiceClient

    conn = (
        f"DefaultEndpointsProtocol=http;AccountName={Azurite.ACCOUNT};AccountKey={Azurite.KEY};"
        f"BlobEndpoint={azurite.endpoint};"
    )
    svc = BlobServiceClient.from_connection_string(conn)
    name = f"c{uuid.uuid4().hex[:12]}"
    svc.create_container(name)
    return svc.get_container_client(name)


def az_opts(azurite):
    return {"endpoint": azurite.endpoint, "account_name": Azurite.ACCOUNT, "account_key": Azurite.KEY,
            "retries": 2}


def obstore_az(azurite, container, prefix):
    import zarr.storage
    from obstore.store import AzureStore

    s = AzureStore(
        container.container_name,
        prefix=prefix,
        account_name=Azurite.ACCOUNT,
        account_key=Azurite.KEY,
        endpoint=azurite.endpoint,
        client_options={"allow_http": True},
    )
    return zarr.storage.ObjectStore(s, read_only=False)


def test_c_writes_zarr_python_reads_and_raw_blobs(azurite, container, handles):
    url = f"az://{container.container_name}/c.zarr"
    root = handles.open(url, libzarr.CREATE, az_opts(azurite))
    data = np.arange(24 * 10, dtype="<i8").reshape(24, 10)
    a = handles.track(root.create_array("x", np.int64, data.shape, (5, 4), codecs="[]"))
    a.write(data)
    np.testing.assert_array_equal(a.read(), data)
    names = sorted(b.name for b in container.list_blobs(name_starts_with="c.zarr/"))
    assert "c.zarr/zarr.json" in names and "c.zarr/x/zarr.json" in names
    assert len([n for n in names if "/c/" in n]) == 5 * 3
    raw = container.download_blob("c.zarr/x/c/0/0").readall()
    np.testing.assert_array_equal(np.frombuffer(raw, "<i8").reshape(5, 4), data[:5, :4])
    g = zarr.open_group(store=obstore_az(azurite, container, "c.zarr"), mode="r")
    np.testing.assert_array_equal(g["x"][...], data)
    root.delete("x")
    assert not [b for b in container.list_blobs(name_starts_with="c.zarr/x/")]


def test_zarr_python_writes_c_reads_with_env_credentials(azurite, container, handles, monkeypatch):
    g = zarr.open_group(store=obstore_az(azurite, container, "py.zarr"), mode="w")
    data = np.linspace(0, 1, 300, dtype="<f4").reshape(20, 15)
    g.create_array("v", shape=data.shape, chunks=(6, 6), dtype="<f4")[...] = data
    s = np.arange(256, dtype="<u1").reshape(16, 16)
    g.create_array("s", shape=s.shape, shards=(8, 8), chunks=(4, 4), dtype="u1")[...] = s
    # credentials and endpoint from the standard environment variables
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", Azurite.ACCOUNT)
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", Azurite.KEY)
    monkeypatch.setenv("AZURE_STORAGE_ENDPOINT", azurite.endpoint)
    for url in (f"az://{container.container_name}/py.zarr",
                f"abfs://{container.container_name}@{Azurite.ACCOUNT}.dfs.core.windows.net/py.zarr"):
        root = handles.open(url, libzarr.READ)
        np.testing.assert_array_equal(handles.track(root.open_array("v")).read(), data)
        np.testing.assert_array_equal(handles.track(root.open_array("s")).read((3, 3), (9, 9)), s[3:12, 3:12])


def test_azure_errors_hide_the_key(azurite, container):
    bad = {**az_opts(azurite), "account_key": "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk="}
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(f"az://{container.container_name}/p", libzarr.CREATE, bad)
    assert e.value.status == libzarr.EIO
    assert bad["account_key"] not in e.value.message and Azurite.KEY not in e.value.message
    assert "zarr.json" in e.value.message
    assert os.environ.get("AZURE_STORAGE_ACCOUNT_KEY") is None

/* tests/header/abi_1_0.c: what include/zarr.h shipped (taken from the
 * committed header as it stood at 1.0 plus the additions for the language
 * bindings) is still there with the same values. The ABI only grows: a
 * constant may be added, never renumbered or removed. Compiled (C and C++)
 * by tests/header/run.sh; a failing check does not compile.
 * ZARR_VERSION_MINOR, _PATCH and _NUMBER change with every release and are
 * left out; ZARR_VERSION_MAJOR stays 1 for as long as this ABI lasts. */
#include <zarr.h>

#ifdef __cplusplus
#define ZARR_CHECK(name, value) static_assert((name) == (value), #name " must stay " #value);
#else
#define ZARR_CHECK(name, value) _Static_assert((name) == (value), #name " must stay " #value);
#endif

#ifndef ZARR_NO_DEPRECATED
ZARR_CHECK(MAX_THREADS, 1024)
#elif defined(MAX_THREADS)
#error "ZARR_NO_DEPRECATED must leave MAX_THREADS out"
#endif
ZARR_CHECK(ZARR_MAX_THREADS, 1024)
ZARR_CHECK(ZARR_OK, 0)
ZARR_CHECK(ZARR_EINVAL, -1)
ZARR_CHECK(ZARR_ENOTFOUND, -2)
ZARR_CHECK(ZARR_EEXISTS, -3)
ZARR_CHECK(ZARR_EBADID, -4)
ZARR_CHECK(ZARR_EMETA, -5)
ZARR_CHECK(ZARR_ECODEC, -6)
ZARR_CHECK(ZARR_EIO, -7)
ZARR_CHECK(ZARR_EBOUNDS, -8)
ZARR_CHECK(ZARR_ERANGE, -9)
ZARR_CHECK(ZARR_ETYPE, -10)
ZARR_CHECK(ZARR_EREADONLY, -11)
ZARR_CHECK(ZARR_EUNSUPPORTED, -12)
ZARR_CHECK(ZARR_EINTERNAL, -13)
ZARR_CHECK(ZARR_ENOMEM, -14)
ZARR_CHECK(ZARR_READ, 0)
ZARR_CHECK(ZARR_WRITE, 1)
ZARR_CHECK(ZARR_CREATE, 2)
ZARR_CHECK(ZARR_NATIVE, 0)
ZARR_CHECK(ZARR_BOOL, 1)
ZARR_CHECK(ZARR_INT8, 2)
ZARR_CHECK(ZARR_INT16, 3)
ZARR_CHECK(ZARR_INT32, 4)
ZARR_CHECK(ZARR_INT64, 5)
ZARR_CHECK(ZARR_UINT8, 6)
ZARR_CHECK(ZARR_UINT16, 7)
ZARR_CHECK(ZARR_UINT32, 8)
ZARR_CHECK(ZARR_UINT64, 9)
ZARR_CHECK(ZARR_FLOAT32, 10)
ZARR_CHECK(ZARR_FLOAT64, 11)
ZARR_CHECK(ZARR_FLOAT16, 12)
ZARR_CHECK(ZARR_VERSION_MAJOR, 1)
ZARR_CHECK(ZARR_NODE_GROUP, 1)
ZARR_CHECK(ZARR_NODE_ARRAY, 2)
ZARR_CHECK(ZARR_ATTR_TEXT, 100)
ZARR_CHECK(ZARR_ATTR_JSON, 101)

/* Every function of the 1.0 header is still declared (a use of each name). */
typedef void (*zarr_any_fn)(void);
zarr_any_fn zarr_1_0_functions[] = {
    (zarr_any_fn)zarr_array_append,
    (zarr_any_fn)zarr_array_chunk_shape,
    (zarr_any_fn)zarr_array_create,
    (zarr_any_fn)zarr_array_create_json,
    (zarr_any_fn)zarr_array_create_sharded,
    (zarr_any_fn)zarr_array_dimension_name,
    (zarr_any_fn)zarr_array_dimension_names,
    (zarr_any_fn)zarr_array_dtype,
    (zarr_any_fn)zarr_array_get_write_empty_chunks,
    (zarr_any_fn)zarr_array_ndim,
    (zarr_any_fn)zarr_array_open,
    (zarr_any_fn)zarr_array_read,
    (zarr_any_fn)zarr_array_resize,
    (zarr_any_fn)zarr_array_set_dimension_names,
    (zarr_any_fn)zarr_array_set_write_empty_chunks,
    (zarr_any_fn)zarr_array_shape,
    (zarr_any_fn)zarr_array_write,
    (zarr_any_fn)zarr_attr_delete,
    (zarr_any_fn)zarr_attr_get,
    (zarr_any_fn)zarr_attr_get_text,
    (zarr_any_fn)zarr_attr_inq,
    (zarr_any_fn)zarr_attr_put,
    (zarr_any_fn)zarr_attr_put_text,
    (zarr_any_fn)zarr_attrs_get,
    (zarr_any_fn)zarr_attrs_set,
    (zarr_any_fn)zarr_close,
    (zarr_any_fn)zarr_consolidate,
    (zarr_any_fn)zarr_convert,
    (zarr_any_fn)zarr_delete,
    (zarr_any_fn)zarr_group_create,
    (zarr_any_fn)zarr_group_member,
    (zarr_any_fn)zarr_group_nmembers,
    (zarr_any_fn)zarr_group_open,
    (zarr_any_fn)zarr_last_error,
    (zarr_any_fn)zarr_list,
    (zarr_any_fn)zarr_open,
    (zarr_any_fn)zarr_open_with_options,
    (zarr_any_fn)zarr_rename,
    (zarr_any_fn)zarr_set_num_threads,
    (zarr_any_fn)zarr_strerror,
    (zarr_any_fn)zarr_version,
    (zarr_any_fn)zarr_version_number,
};

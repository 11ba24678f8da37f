//! netCDF-C constants this plugin uses (values from netcdf.h, which the C
//! half of the plugin is compiled against).

use std::ffi::c_int;

pub type NcType = c_int;

pub const NC_NOERR: c_int = 0;
pub const NC_EBADID: c_int = -33;
pub const NC_EEXIST: c_int = -35;
pub const NC_EINVAL: c_int = -36;
pub const NC_EPERM: c_int = -37;
pub const NC_ENOTINDEFINE: c_int = -38;
pub const NC_EINDEFINE: c_int = -39;
pub const NC_EINVALCOORDS: c_int = -40;
pub const NC_ENAMEINUSE: c_int = -42;
pub const NC_ENOTATT: c_int = -43;
pub const NC_EBADTYPE: c_int = -45;
pub const NC_EBADDIM: c_int = -46;
pub const NC_ENOTVAR: c_int = -49;
pub const NC_ENOTNC: c_int = -51;
pub const NC_ECHAR: c_int = -56;
pub const NC_EEDGE: c_int = -57;
pub const NC_ESTRIDE: c_int = -58;
pub const NC_EBADNAME: c_int = -59;
pub const NC_ERANGE: c_int = -60;
pub const NC_ENOMEM: c_int = -61;
pub const NC_EIO: c_int = -68;
pub const NC_ENOTFOUND: c_int = -90;
pub const NC_EINTERNAL: c_int = -92;
pub const NC_ECANTREAD: c_int = -102;
pub const NC_ENOPAR: c_int = -114;
pub const NC_EBADGRPID: c_int = -116;
pub const NC_ENOGRP: c_int = -125;
pub const NC_ENOTBUILT: c_int = -128;
/// What nc_open reports for a missing file (errno ENOENT).
pub const ENOENT: c_int = 2;

pub const NC_NAT: NcType = 0;
pub const NC_BYTE: NcType = 1;
pub const NC_CHAR: NcType = 2;
pub const NC_SHORT: NcType = 3;
pub const NC_INT: NcType = 4;
pub const NC_FLOAT: NcType = 5;
pub const NC_DOUBLE: NcType = 6;
pub const NC_UBYTE: NcType = 7;
pub const NC_USHORT: NcType = 8;
pub const NC_UINT: NcType = 9;
pub const NC_INT64: NcType = 10;
pub const NC_UINT64: NcType = 11;
pub const NC_STRING: NcType = 12;

pub const NC_WRITE: c_int = 0x0001;
pub const NC_NOCLOBBER: c_int = 0x0004;
pub const NC_NETCDF4: c_int = 0x1000;
pub const NC_UDF0: c_int = 0x0040;
pub const NC_FORMAT_NETCDF4: c_int = 3;
pub const NC_FORMATX_UDF0: c_int = 8;
pub const NC_GLOBAL: c_int = -1;
pub const NC_MAX_NAME: usize = 256;
pub const NC_NOFILL: c_int = 0x100;
pub const NC_CHUNKED: c_int = 0;
pub const NC_CONTIGUOUS: c_int = 1;

/// (name, size) of the atomic types, indexed by type id.
pub const ATOMIC: [(&str, usize); 13] = [
    ("", 0),
    ("byte", 1),
    ("char", 1),
    ("short", 2),
    ("int", 4),
    ("float", 4),
    ("double", 8),
    ("ubyte", 1),
    ("ushort", 2),
    ("uint", 4),
    ("int64", 8),
    ("uint64", 8),
    ("string", std::mem::size_of::<*mut u8>()),
];

pub fn type_size(t: NcType) -> Option<usize> {
    match t {
        1..=12 => Some(ATOMIC[t as usize].1),
        _ => None,
    }
}

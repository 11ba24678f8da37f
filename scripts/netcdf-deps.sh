#!/usr/bin/env bash
# Install what the netCDF-C plugin and its tests need, from the distribution,
# when missing: netcdf-bin (ncdump, nccopy, ncgen), libnetcdf-dev (headers,
# netcdf_dispatch.h), libnetcdff-dev (netcdf-fortran) and gfortran.
set -uo pipefail
need=()
command -v ncdump >/dev/null 2>&1 || need+=(netcdf-bin)
[ -f /usr/include/netcdf_dispatch.h ] || need+=(libnetcdf-dev)
command -v nf-config >/dev/null 2>&1 || need+=(libnetcdff-dev)
command -v gfortran >/dev/null 2>&1 || need+=(gfortran)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} ..."
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}") >/dev/null || {
        echo "could not install ${need[*]}"
        exit 2
    }
fi


# lib/hs-env.sh in the bundle (tools/bundle.sh), sourced by bin/hashsweep and
# bin/gpu-check with HS_BUNDLE set to the bundle's folder. POSIX sh: the
# bundle runs where there is no bash. docs/gpu.md describes what it does.
#
#   HS_BUNDLE_POCL=0     leave the bundled PoCL out of the OpenCL devices
#   HS_DRIVER_PATH=D:D   more folders to look for OpenCL drivers in (first)
#   HS_BUNDLE_DEBUG=1    say on stderr which drivers were found
#   OCL_ICD_VENDORS or OCL_ICD_FILENAMES already set: left as they are

# Libraries: the bundle's first, then the caller's, then the host's system
# folders, and only then lib/fallback (libstdc++, libgcc_s), so that a newer
# host copy that a host GPU driver needs wins over the bundle's.
hs_sysdirs=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib
hs_user_ldpath=${LD_LIBRARY_PATH:-}
LD_LIBRARY_PATH="$HS_BUNDLE/lib:$HS_BUNDLE/lib/pocl${hs_user_ldpath:+:$hs_user_ldpath}:$hs_sysdirs:$HS_BUNDLE/lib/fallback"
# libvips finds its HEIF module in $VIPSHOME/x86_64-linux-gnu/vips-modules-X.Y.
VIPSHOME=$HS_BUNDLE/lib
# PoCL links its kernels with lib/pocl/bin/ld where the host has no linker.
PATH="$HS_BUNDLE/lib/pocl/bin:${PATH:-/usr/bin:/bin}"
export LD_LIBRARY_PATH VIPSHOME PATH

hs_say() { [ -z "${HS_BUNDLE_DEBUG:-}" ] || echo "hashsweep bundle: $*" >&2; }

# hs_find LIB: the first LIB in HS_DRIVER_PATH, the caller's library path,
# the usual driver folders, or ldconfig's cache.
hs_find() {
  # Split at colons only from expansions: one variable holds them all.
  hs_dirs=${HS_DRIVER_PATH:-}:$hs_user_ldpath:$hs_driver_dirs
  hs_old_ifs=$IFS
  IFS=:
  for d in $hs_dirs; do
    if [ -n "$d" ] && [ -f "$d/$1" ]; then
      IFS=$hs_old_ifs
      echo "$d/$1"
      return 0
    fi
  done
  IFS=$hs_old_ifs
  for ldc in /sbin/ldconfig /usr/sbin/ldconfig; do
    if [ -x "$ldc" ]; then
      hs_hit=$("$ldc" -p 2>/dev/null | awk -v n="$1" '$1 == n && /x86-64/ {print $NF; exit}')
      [ -n "$hs_hit" ] && [ -f "$hs_hit" ] && { echo "$hs_hit"; return 0; }
    fi
  done
  return 1
}

# The ICD loader reads OpenCL drivers from OCL_ICD_VENDORS: a folder made
# here with the host's own .icd files, a generated one for each NVIDIA, ROCm
# or Intel driver found on disk that the host has no .icd for (containers
# with the driver mounted but no /etc/OpenCL), and the bundled PoCL. The
# folder is named after its contents, made beside and renamed into place,
# so concurrent runs never see it half written.
hs_icd_setup() {
  [ -z "${OCL_ICD_VENDORS:-}${OCL_ICD_FILENAMES:-}" ] || { hs_say "OpenCL drivers as set by the caller"; return 0; }
  hs_driver_dirs=/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/lib/x86_64-linux-gnu/nvidia/current
  hs_driver_dirs=$hs_driver_dirs:/run/nvidia/driver/usr/lib/x86_64-linux-gnu:/usr/lib/wsl/lib
  hs_driver_dirs=$hs_driver_dirs:${ROCM_PATH:+$ROCM_PATH/lib:}/opt/rocm/lib:/opt/rocm/opencl/lib:/opt/rocm/lib64
  hs_driver_dirs=$hs_driver_dirs:/usr/lib/x86_64-linux-gnu/intel-opencl:/usr/local/lib/intel-opencl
  hs_driver_dirs=$hs_driver_dirs:/usr/lib64/intel-opencl:/opt/intel/opencl/lib64:$hs_sysdirs
  hs_list=""   # "name path" lines
  hs_nv="" hs_amd="" hs_intel=""
  for f in /etc/OpenCL/vendors/*.icd; do
    [ -f "$f" ] || continue
    hs_lib=$(head -n 1 "$f")
    case "$hs_lib" in
      *libpocl*) [ "${HS_BUNDLE_POCL:-1}" != 0 ] && [ -f "$HS_BUNDLE/lib/pocl/libpocl.so.2" ] &&
                   { hs_say "host PoCL ($hs_lib) left out: the bundle has its own"; continue; } ;;
      *nvidia*) hs_nv=1 ;;
      *amdocl*) hs_amd=1 ;;
      *igdrcl*) hs_intel=1 ;;
    esac
    hs_list="${hs_list}50-$(basename "$f") $hs_lib
"
  done
  for hs_drv in nvidia:libnvidia-opencl.so.1 amd:libamdocl64.so intel:libigdrcl.so; do
    hs_kind=${hs_drv%%:*}
    case "$hs_kind" in nvidia) [ -z "$hs_nv" ] || continue ;; amd) [ -z "$hs_amd" ] || continue ;;
                       intel) [ -z "$hs_intel" ] || continue ;; esac
    if hs_path=$(hs_find "${hs_drv#*:}"); then
      hs_list="${hs_list}10-$hs_kind.icd $hs_path
"
    fi
  done
  if [ "${HS_BUNDLE_POCL:-1}" != 0 ] && [ -f "$HS_BUNDLE/lib/pocl/libpocl.so.2" ]; then
    hs_list="${hs_list}90-pocl.icd $HS_BUNDLE/lib/pocl/libpocl.so.2
"
  fi
  hs_say "OpenCL drivers:
$hs_list"
  hs_base=${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}
  hs_key=$(printf '%s' "$hs_list" | md5sum | cut -c1-16)
  hs_dir="$hs_base/hashsweep-icd-$(id -u)-$hs_key"
  if [ ! -f "$hs_dir/.complete" ]; then
    hs_tmp=$(mktemp -d "$hs_base/hashsweep-icd-tmp.XXXXXX") || { hs_say "cannot write in $hs_base"; return 0; }
    printf '%s' "$hs_list" | while read -r hs_name hs_path; do
      [ -n "$hs_name" ] && echo "$hs_path" > "$hs_tmp/$hs_name"
    done
    : > "$hs_tmp/.complete"
    # Where another run won the race, mv put ours inside its folder.
    mv "$hs_tmp" "$hs_dir" 2>/dev/null || true
    rm -rf "$hs_tmp" "$hs_dir/$(basename "$hs_tmp")"
  fi
  OCL_ICD_VENDORS=$hs_dir
  export OCL_ICD_VENDORS
}
hs_icd_setup

# Shared by the service scripts beside it (sourced, not run): their arguments and installing a Debian package.

usage() { echo "usage: $0 {start|stop|status} PORT DATADIR" >&2; exit 2; }

# Sets action, port and datadir (absolute) from the script's arguments, or exits with the usage.
parse_service_arguments() {
  [[ $# -eq 3 ]] || usage
  action=$1 port=$2 datadir=$3
  [[ $port =~ ^[0-9]+$ ]] || { echo "PORT must be a number, not '$port'" >&2; exit 2; }
  case $datadir in /*) ;; *) datadir=$PWD/$datadir ;; esac
}

# install_debian_package PACKAGE WHY: apt-get, non-interactive and without recommended packages; the package
# lists are refreshed only when the first attempt fails (a fresh container has none). Needs root.
install_debian_package() {
  local package=$1 why=$2
  if [[ $(id -u) -ne 0 ]]; then
    echo "$why and installing needs root: apt-get install $package" >&2
    exit 1
  fi
  echo "Installing Debian's $package (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  local install=(apt-get install -y -q --no-install-recommends "$package")
  if ! "${install[@]}" >&2; then
    apt-get update -q >&2
    "${install[@]}" >&2
  fi
}

#!/usr/bin/env bash
# Installe les paquets Debian manquants. Arguments : paquet:commande ...
# Sans droits root ni sudo sans mot de passe, affiche la commande à lancer et échoue.
set -euo pipefail
manquants=()
for couple in "$@"; do
  paquet=${couple%%:*}
  commande=${couple##*:}
  command -v "$commande" >/dev/null 2>&1 || manquants+=("$paquet")
done
[ ${#manquants[@]} -eq 0 ] && exit 0
echo "Paquets Debian manquants : ${manquants[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${manquants[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -q
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${manquants[@]}"
else
  echo "Installez-les puis relancez : sudo apt-get install ${manquants[*]}" >&2
  exit 1
fi

#!/usr/bin/env bash
# Installe les paquets Debian manquants. Arguments : paquet:commande ...
# « commande » est un nom cherché dans le PATH, ou un chemin absolu dont on vérifie l'existence
# (les programmes de PostgreSQL sont sous /usr/lib/postgresql/15/bin, hors du PATH).
# Sans droits root ni sudo sans mot de passe, affiche la commande à lancer et échoue.
set -euo pipefail
manquants=()
for couple in "$@"; do
  paquet=${couple%%:*}
  commande=${couple##*:}
  if [[ $commande == /* ]]; then
    [ -e "$commande" ] || manquants+=("$paquet")
  else
    command -v "$commande" >/dev/null 2>&1 || manquants+=("$paquet")
  fi
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

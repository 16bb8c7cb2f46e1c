#!/usr/bin/env bash
# realapps-corpus.sh - rebuild the real-apps corpus (../shared/corpus/realapps, outside the
# repository) from its manifest test/corpus/realapps.tsv, deterministically: every file comes
# from the commit the manifest names and must match its sha256; each app folder gets a SOURCE
# written from the manifest (repository, commit, compose path, license, files, hand steps).
#
#   scripts/realapps-corpus.sh            rebuild into ../shared/corpus/realapps
#   scripts/realapps-corpus.sh --check    compare the folder with the manifest, change nothing
#   scripts/realapps-corpus.sh [--check] DIR    another folder
#
# Where a file is taken from, first that works:
#   1. the git snapshot $MIRROR/<owner>+<name>/repo (MIRROR defaults to /work/.mirror; bring
#      one with the agent tool `fetch github:<owner>/<name>`), git show <commit>:<path>;
#   2. a copy of the folder made earlier, $REALAPPS_BACKUP/<app>/<dest> (defaults to
#      /work/notes/realapps-backup), when its sha256 matches;
#   3. rows "generated" are written by this script (gen_file below).
# Files none of these give are listed with the fetch or read_file call that brings them, and
# the script fails without touching the folder. Rows "read_file" come from snapshots too large
# to fetch: only the backup (or a read_file by hand, checked against the sha256) has them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi
out=${1:-../shared/corpus/realapps}
manifest=test/corpus/realapps.tsv
mirror=${MIRROR:-/work/.mirror}
backup=${REALAPPS_BACKUP:-/work/notes/realapps-backup}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# gen_file APP DEST FILE writes a generated file: the step the app's install docs ask for,
# with fixed values (sha256 of a fixed string, so every rebuild is byte-identical).
gen_file() {
  case "$1/$2" in
  airflow/.env)
    # the docs write the user's uid; 50000 is the image's own airflow user (the file's default)
    printf 'AIRFLOW_UID=50000\n' >"$3"
    ;;
  authentik/.env)
    printf 'PG_PASS=%s\nAUTHENTIK_SECRET_KEY=%s\n' \
      "$(printf 'berth-corpus authentik PG_PASS' | sha256sum | cut -c1-36)" \
      "$(printf 'berth-corpus authentik AUTHENTIK_SECRET_KEY' | sha256sum | cut -c1-60)" >"$3"
    ;;
  baserow/.env)
    # the six uncommented lines of .env.example, its three required secrets set
    printf 'SECRET_KEY=%s\nDATABASE_PASSWORD=%s\nREDIS_PASSWORD=%s\n' \
      "$(fixed baserow SECRET_KEY 50)" "$(fixed baserow DATABASE_PASSWORD 50)" "$(fixed baserow REDIS_PASSWORD 50)" >"$3"
    printf 'BASEROW_PUBLIC_URL=http://localhost\nDATABASE_USER=baserow\nDATABASE_NAME=baserow\n' >>"$3"
    ;;
  documenso/docker/production/.env)
    local pw
    pw=$(fixed documenso POSTGRES_PASSWORD 32)
    {
      printf 'POSTGRES_USER=documenso\nPOSTGRES_PASSWORD=%s\nPOSTGRES_DB=documenso\n' "$pw"
      printf 'NEXTAUTH_SECRET=%s\n' "$(fixed documenso NEXTAUTH_SECRET 44)"
      printf 'NEXT_PRIVATE_ENCRYPTION_KEY=%s\n' "$(fixed documenso NEXT_PRIVATE_ENCRYPTION_KEY 44)"
      printf 'NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY=%s\n' "$(fixed documenso NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY 44)"
      printf 'NEXT_PUBLIC_WEBAPP_URL=https://sign.example.com\nNEXT_PRIVATE_INTERNAL_WEBAPP_URL=http://localhost:3000\n'
      printf 'NEXT_PRIVATE_DATABASE_URL=postgresql://documenso:%s@database:5432/documenso\n' "$pw"
      printf 'NEXT_PRIVATE_SMTP_TRANSPORT=smtp-auth\nNEXT_PRIVATE_SMTP_HOST=smtp.example.com\nNEXT_PRIVATE_SMTP_PORT=587\n'
      printf 'NEXT_PRIVATE_SMTP_USERNAME=your-smtp-username\nNEXT_PRIVATE_SMTP_PASSWORD=%s\n' "$(fixed documenso NEXT_PRIVATE_SMTP_PASSWORD 24)"
      printf 'NEXT_PRIVATE_SMTP_FROM_NAME=Documenso\nNEXT_PRIVATE_SMTP_FROM_ADDRESS=noreply@example.com\n'
    } >"$3"
    ;;
  karakeep/.env)
    printf 'KARAKEEP_VERSION=release\nNEXTAUTH_SECRET=%s\nMEILI_MASTER_KEY=%s\nNEXTAUTH_URL=http://localhost:3000\n' \
      "$(fixed karakeep NEXTAUTH_SECRET 48)" "$(fixed karakeep MEILI_MASTER_KEY 48)" >"$3"
    ;;
  lago/.env)
    # the README appends LAGO_RSA_PRIVATE_KEY="$(openssl genrsa 2048 | openssl base64 -A)", a
    # random key: here a fixed stand-in value (conversion only carries it)
    printf 'LAGO_RSA_PRIVATE_KEY="%s"\n' "$(fixed lago LAGO_RSA_PRIVATE_KEY 64)" >"$3"
    ;;
  stoat/.env.web)
    # what ./generate_config.sh stoat.example.com writes (the README's setup step)
    printf 'HOSTNAME=https://stoat.example.com\nREVOLT_PUBLIC_URL=https://stoat.example.com/api\n' >"$3"
    ;;
  stoat/Revolt.toml)
    # what ./generate_config.sh stoat.example.com writes; its random VAPID key (openssl ecparam
    # -name prime256v1 -genkey) is here the P-256 key whose private scalar is a fixed sha256, its
    # random files.encryption_key (openssl rand -base64 32) the base64 of another
    local url=https://stoat.example.com pem
    pem=$(unhex "30310201010420$(fixed stoat VAPID 64)a00a06082a8648ce3d030107" | openssl ec -inform DER 2>/dev/null)
    {
      printf '[hosts]\napp = "%s"\napi = "%s/api"\nevents = "wss://%s/ws"\n' "$url" "$url" "${url#https://}"
      printf 'autumn = "%s/autumn"\njanuary = "%s/january"\n' "$url" "$url"
      printf '\n[pushd.vapid]\nprivate_key = "%s"\n' "$(printf '%s\n' "$pem" | base64 | tr -d '\n' | tr -d '=')"
      printf 'public_key = "%s"\n' "$(printf '%s\n' "$pem" | openssl ec -outform DER 2>/dev/null | tail --bytes 65 | base64 | tr '/+' '_-' | tr -d '\n' | tr -d '=')"
      printf '\n[files]\nencryption_key = "%s"\n' "$(unhex "$(fixed stoat encryption_key 64)" | base64)"
    } >"$3"
    ;;
  weblate/docker-compose.override.yml)
    # the README's step 2 (create docker-compose.override.yml with your settings): its example,
    # the two passwords fixed values, WEBLATE_ALLOWED_HOSTS (your hosts) the example's domain
    {
      printf 'services:\n  weblate:\n    ports:\n      - 80:8080\n    environment:\n'
      printf '      WEBLATE_SITE_DOMAIN: example.com\n      WEBLATE_EMAIL_HOST: smtp.example.com\n'
      printf '      WEBLATE_EMAIL_HOST_USER: user\n      WEBLATE_EMAIL_HOST_PASSWORD: %s\n' "$(fixed weblate WEBLATE_EMAIL_HOST_PASSWORD 24)"
      printf '      WEBLATE_ALLOWED_HOSTS: example.com\n      WEBLATE_ADMIN_PASSWORD: %s\n' "$(fixed weblate WEBLATE_ADMIN_PASSWORD 24)"
    } >"$3"
    ;;
  *) return 1 ;;
  esac
}

# fixed APP NAME LEN is a secret value for a generated file: the first LEN hex digits of the
# sha256 of "berth-corpus APP NAME" (the install docs ask for openssl rand; this is reproducible).
fixed() { printf 'berth-corpus %s %s' "$1" "$2" | sha256sum | cut -c1-"$3"; }

# unhex HEX writes the bytes HEX spells.
# shellcheck disable=SC2059 # the format is the escapes
unhex() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }

if ((check)); then
  bad=0
  declare -A want=()
  while IFS=$'\t' read -r app _ _ _ dest sum _ _ _; do
    [[ "$app" == "#"* || "$app" == app ]] && continue
    want["$app/$dest"]=1
    f=$out/$app/$dest
    if [[ ! -f "$f" ]]; then
      echo "missing: $app/$dest"
      bad=1
    elif [[ "$(sha "$f")" != "$sum" ]]; then
      echo "differs: $app/$dest"
      bad=1
    fi
  done <"$manifest"
  while IFS= read -r f; do
    rel=${f#"$out"/}
    [[ "$rel" == */SOURCE || -n "${want[$rel]:-}" ]] || {
      echo "not in the manifest: $rel"
      bad=1
    }
  done < <(find "$out" -type f | sort)
  ((bad == 0)) && echo "$out matches $manifest (${#want[@]} files)"
  exit $bad
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/realapps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
missing=()
files=0
while IFS=$'\t' read -r app repo commit path dest sum license how note; do
  [[ "$app" == "#"* || "$app" == app ]] && continue
  target=$tmp/$app/$dest
  mkdir -p "$(dirname "$target")"
  git_dir=$mirror/${repo/\//+}/repo
  got=""
  if [[ "$how" == generated ]]; then
    gen_file "$app" "$dest" "$target" && got="generated"
  elif git -C "$git_dir" cat-file -e "$commit:$path" 2>/dev/null; then
    git -C "$git_dir" show "$commit:$path" >"$target" && got="mirror"
  fi
  if [[ -z "$got" && -f "$backup/$app/$dest" && "$(sha "$backup/$app/$dest")" == "$sum" ]]; then
    cp "$backup/$app/$dest" "$target" && got="backup"
  fi
  if [[ -z "$got" ]]; then
    case "$how" in
    read_file) missing+=("$app/$dest: read_file repo=$repo path=$path commit=$commit, its text saved as $backup/$app/$dest") ;;
    *) missing+=("$app/$dest: fetch github:$repo (commit $commit)") ;;
    esac
    continue
  fi
  if [[ "$(sha "$target")" != "$sum" ]]; then
    echo "realapps-corpus: $app/$dest from $got has sha256 $(sha "$target"), the manifest says $sum" >&2
    exit 1
  fi
  files=$((files + 1))
  # SOURCE: the first row of an app is its Compose file.
  src=$tmp/$app/SOURCE
  if [[ ! -f "$src" ]]; then
    printf 'repository: https://github.com/%s\ncommit: %s\npath: %s\nlicense: %s\nfiles:\n' \
      "$repo" "$commit" "$dest" "$license" >"$src"
  fi
  line="  - $path"
  [[ "$dest" == "$path" ]] || line+=" (as $dest)"
  [[ "$path" != - ]] || line="  - $dest"
  if [[ "$how" == generated ]]; then
    line+=" [generated]"
  elif [[ "$how" != mirror ]]; then
    line+=" [$how $commit]"
  fi
  [[ -z "$note" ]] || line+=": $note"
  printf '%s\n' "$line" >>"$src"
done <"$manifest"

if ((${#missing[@]})); then
  echo "realapps-corpus: ${#missing[@]} files are not at hand (folder left as it was):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
chmod -R u+rwX,go+rX "$out"
echo "realapps-corpus: $files files in $(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l) apps at $out"

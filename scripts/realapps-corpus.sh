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
  akaunting/.env)
    # the README's first run is AKAUNTING_SETUP=true docker-compose up -d (the file passes
    # AKAUNTING_SETUP through); Compose reads the same variable from .env
    printf 'AKAUNTING_SETUP=true\n' >"$3"
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
  bookwyrm/.env)
    # the production install (cp .env.example .env, set DOMAIN and EMAIL, ./bw-dev
    # create_secrets): .env.example (the row before) with its placeholder domain and email set
    # and its five commented secrets written as create_secrets writes them (KEY="random")
    local k sedargs=(-e 's/^DOMAIN=your\.domain\.here$/DOMAIN=bookwyrm.example.com/'
      -e 's/^EMAIL=your@email\.here$/EMAIL=admin@bookwyrm.example.com/')
    for k in SECRET_KEY POSTGRES_PASSWORD REDIS_ACTIVITY_PASSWORD REDIS_BROKER_PASSWORD FLOWER_PASSWORD; do
      sedargs+=(-e "s/#[[:blank:]]*$k=.*/$k=\"$(fixed bookwyrm "$k" 64)\"/")
    done
    sed "${sedargs[@]}" "$(dirname "$3")/.env.example" >"$3"
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
  docuseal/.env)
    # the README runs sudo HOST=your-domain-name.com docker compose up; Compose reads the same
    # variable from .env: here a fixed example domain
    printf 'HOST=docuseal.example.com\n' >"$3"
    ;;
  ghostfolio/.env)
    # cp .env.example .env and populate it (the README's prerequisite): the example's lines, its
    # four <INSERT_...> placeholders fixed values
    {
      printf 'COMPOSE_PROJECT_NAME=ghostfolio\n\n# CACHE\nREDIS_HOST=redis\nREDIS_PORT=6379\n'
      printf 'REDIS_PASSWORD=%s\n\n# POSTGRES\nPOSTGRES_DB=ghostfolio-db\nPOSTGRES_USER=user\n' "$(fixed ghostfolio REDIS_PASSWORD 32)"
      printf 'POSTGRES_PASSWORD=%s\n\n# VARIOUS\n' "$(fixed ghostfolio POSTGRES_PASSWORD 32)"
      printf 'ACCESS_TOKEN_SALT=%s\n' "$(fixed ghostfolio ACCESS_TOKEN_SALT 32)"
      printf 'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}?connect_timeout=300\n'
      printf 'JWT_SECRET_KEY=%s\n' "$(fixed ghostfolio JWT_SECRET_KEY 32)"
    } >"$3"
    ;;
  grafana-oncall/.env)
    # the README's step 2 (echo "DOMAIN=... SECRET_KEY=..." > .env), its placeholder SECRET_KEY
    # (my_random_secret_must_be_more_than_32_characters_long) a fixed value
    {
      printf 'DOMAIN=http://localhost:8080\n'
      printf "# Remove 'with_grafana' below if you want to use existing grafana\n"
      printf "# Add 'with_prometheus' below to optionally enable a local prometheus for oncall metrics\n"
      printf '# e.g. COMPOSE_PROFILES=with_grafana,with_prometheus\nCOMPOSE_PROFILES=with_grafana\n'
      printf '# to setup an auth token for prometheus exporter metrics:\n'
      printf '# PROMETHEUS_EXPORTER_SECRET=my_random_prometheus_secret\n'
      printf '# also, make sure to enable the /metrics endpoint:\n# FEATURE_PROMETHEUS_EXPORTER_ENABLED=True\n'
      printf 'SECRET_KEY=%s\n' "$(fixed grafana-oncall SECRET_KEY 50)"
    } >"$3"
    ;;
  graylog/open-core/.env)
    # cp .env.example .env, then the two values it leaves empty, which the file requires with
    # ${VAR:?}: GRAYLOG_PASSWORD_SECRET (the example's pwgen -N 1 -s 96: 96 characters) and
    # GRAYLOG_ROOT_PASSWORD_SHA2 (echo -n yourpassword | shasum -a 256) of a fixed password
    printf 'GRAYLOG_PASSWORD_SECRET="%s%s"\nGRAYLOG_ROOT_PASSWORD_SHA2="%s"\n' \
      "$(fixed graylog GRAYLOG_PASSWORD_SECRET 64)" "$(fixed graylog GRAYLOG_PASSWORD_SECRET_2 32)" \
      "$(printf '%s' "$(fixed graylog admin-password 24)" | sha256sum | cut -c1-64)" >"$3"
    ;;
  joplin/.env)
    # the server README copies .env-sample to .env and sets the Compose file's variables
    # (POSTGRES_USER, POSTGRES_PASSWORD, APP_BASE_URL, ...): the sample's PRODUCTION CONFIG
    # EXAMPLE lines uncommented, the password a fixed value
    printf 'APP_BASE_URL=https://example.com/joplin\nAPP_PORT=22300\n\nDB_CLIENT=pg\n' >"$3"
    printf 'POSTGRES_PASSWORD=%s\nPOSTGRES_DATABASE=joplin\nPOSTGRES_USER=joplin\n' "$(fixed joplin POSTGRES_PASSWORD 32)" >>"$3"
    printf 'POSTGRES_PORT=5432\nPOSTGRES_HOST=localhost\n' >>"$3"
    ;;
  karakeep/.env)
    printf 'KARAKEEP_VERSION=release\nNEXTAUTH_SECRET=%s\nMEILI_MASTER_KEY=%s\nNEXTAUTH_URL=http://localhost:3000\n' \
      "$(fixed karakeep NEXTAUTH_SECRET 48)" "$(fixed karakeep MEILI_MASTER_KEY 48)" >"$3"
    ;;
  kutt/.env)
    # the README's required variables of docker-compose.postgres.yml (REDIS_ENABLED, DB_PASSWORD,
    # DB_NAME, DB_USER; .example.env's values where it has one) and JWT_SECRET, required in production
    printf 'JWT_SECRET=%s\nDB_NAME=kutt\nDB_USER=postgres\nDB_PASSWORD=%s\nREDIS_ENABLED=true\n' \
      "$(fixed kutt JWT_SECRET 48)" "$(fixed kutt DB_PASSWORD 32)" >"$3"
    ;;
  lago/.env)
    # the README appends LAGO_RSA_PRIVATE_KEY="$(openssl genrsa 2048 | openssl base64 -A)", a
    # random key: here a fixed stand-in value (conversion only carries it)
    printf 'LAGO_RSA_PRIVATE_KEY="%s"\n' "$(fixed lago LAGO_RSA_PRIVATE_KEY 64)" >"$3"
    ;;
  maybe/.env)
    # docs/hosting/docker.md step 3: touch .env, then SECRET_KEY_BASE (openssl rand -hex 64: 128
    # hex digits) and POSTGRES_PASSWORD, quoted as the guide writes them
    printf 'SECRET_KEY_BASE="%s%s"\nPOSTGRES_PASSWORD="%s"\n' "$(fixed maybe SECRET_KEY_BASE 64)" \
      "$(fixed maybe SECRET_KEY_BASE_2 64)" "$(fixed maybe POSTGRES_PASSWORD 32)" >"$3"
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
  thehive/prod1-thehive/.env)
    # what bash ./scripts/init.sh writes (the install docs' step): dot.env.template with its
    # random elasticsearch_password, ../versions.env, then the user's uid and gid (here 1000,
    # the first user's) and the server name it asks (here thehive.example.com); no custom
    # certificate in ./certificates, so the trusted-certificate line is empty
    {
      printf '# System variables\n## Replace XXXX with the output of the command "id -u"\nUID=XXXX\n'
      printf '## Replace XXXX with the output of the command "id -g"\nGID=XXXX\n\n'
      printf "# ElasticSearch password\nelasticsearch_password = '%s'\n" "$(fixed thehive elasticsearch_password 64)"
      printf "# Containers versions\ncassandra_image_version = '4.1.12'\n"
      printf "elasticsearch_image_version = '8.19.20'\nthehive_image_version = '5.7.5'\n"
      printf "cortex_image_version = '4.1.0'\nnginx_image_version = '1.31.4'\n"
      printf '## CONFIGURATION AUTOMATICALLY ADDED BY .scripts/init.sh PROGRAM.\n# System variables\n'
      printf 'UID=1000\nGID=1000\n\n# Nginx configuration\nnginx_server_name="thehive.example.com"\n'
      printf 'nginx_ssl_trusted_certificate=""\n'
    } >"$3"
    ;;
  thehive/prod1-thehive/thehive/config/index.conf)
    # init.sh: index.conf.template with the same elasticsearch_password as .env
    {
      printf 'db.janusgraph.index.search {\n  backend = elasticsearch\n  hostname = ["elasticsearch"]\n'
      printf '  index-name = thehive\n  elasticsearch.http.auth {\n    type = "basic"\n    basic {\n'
      printf '      username = "elastic"\n      password = "%s"\n' "$(fixed thehive elasticsearch_password 64)"
      printf '    }\n  }\n}\n'
    } >"$3"
    ;;
  thehive/prod1-thehive/thehive/config/secret.conf)
    # init.sh: a random 64-character play.http.secret.key
    printf 'play.http.secret.key="%s"\n' "$(fixed thehive play.http.secret.key 64)" >"$3"
    ;;
  thehive/prod1-thehive/nginx/certs/server.key | thehive/prod1-thehive/nginx/certs/server.crt)
    # init.sh's generate_certs.sh: a self-signed certificate (openssl req -x509 -newkey rsa:2048,
    # random key, dated now); here an Ed25519 key whose seed is a fixed sha256 (its signature is
    # deterministic), self-signed with fixed serial and dates, so the folder is reproducible
    local d key
    d=$(mktemp -d)
    key=$d/server.key
    unhex "302e020100300506032b657004220420$(fixed thehive server.key 64)" | openssl pkey -inform DER -out "$key"
    if [[ "$2" == */server.key ]]; then
      cp "$key" "$3"
    else
      mkdir "$d/ca" && touch "$d/ca/index.txt" && echo 01 >"$d/ca/serial"
      printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/ca/index.txt\nserial = %s/ca/serial\n' "$d" "$d" >"$d/ca.cnf"
      printf 'new_certs_dir = %s/ca\ndefault_md = default\npolicy = p\nunique_subject = no\n' "$d" >>"$d/ca.cnf"
      printf '[p]\ncommonName = supplied\n[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = thehive.example.com\n' >>"$d/ca.cnf"
      openssl req -new -key "$key" -config "$d/ca.cnf" -out "$d/req.csr" 2>/dev/null
      openssl ca -batch -selfsign -config "$d/ca.cnf" -keyfile "$key" -in "$d/req.csr" -notext \
        -startdate 20260101000000Z -enddate 20270101000000Z -out "$3" 2>/dev/null
    fi
    rm -rf "$d"
    ;;
  trigger-dev/hosting/docker/webapp/.env)
    # what ./generate-secrets.sh writes in hosting/docker (the docs' step 2: it copies .env.example
    # to .env and fills its empty secrets with openssl rand -hex 16): the example's uncommented
    # lines, the secrets fixed values
    {
      local k
      for k in SESSION_SECRET MAGIC_LINK_SECRET ENCRYPTION_KEY PROVIDER_SECRET COORDINATOR_SECRET \
        MANAGED_WORKER_SECRET POSTGRES_PASSWORD; do
        printf '%s=%s\n' "$k" "$(fixed trigger-dev "$k" 32)"
      done
      printf 'TRIGGER_IMAGE_TAG=latest\nAPP_ORIGIN=http://localhost:8030\nLOGIN_ORIGIN=http://localhost:8030\n'
      printf 'API_ORIGIN=http://localhost:8030\nDEV_OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:8030/otel\n'
      printf 'CLICKHOUSE_USER=default\nCLICKHOUSE_PASSWORD=%s\n' "$(fixed trigger-dev CLICKHOUSE_PASSWORD 32)"
      printf 'DOCKER_REGISTRY_URL=localhost:5000\nDOCKER_REGISTRY_USERNAME=registry-user\n'
      printf 'DOCKER_REGISTRY_PASSWORD=%s\nDOCKER_REGISTRY_NAMESPACE=trigger\n' "$(fixed trigger-dev DOCKER_REGISTRY_PASSWORD 32)"
      printf 'OBJECT_STORE_ACCESS_KEY_ID=admin\nOBJECT_STORE_SECRET_ACCESS_KEY=%s\n' "$(fixed trigger-dev OBJECT_STORE_SECRET_ACCESS_KEY 32)"
    } >"$3"
    ;;
  trigger-dev/hosting/docker/registry/auth.htpasswd)
    # what ./generate-secrets.sh writes with docker run --rm httpd:2 htpasswd -Bbn registry-user
    # PASSWORD (bcrypt, cost 5, random salt, then an empty line): the .env's
    # DOCKER_REGISTRY_PASSWORD hashed by the C library's bcrypt (perl crypt) with a fixed salt
    local salt
    salt="\$2y\$05\$$(fixed trigger-dev registry-salt 21)e"
    printf 'registry-user:%s\n\n' "$(perl -e 'print crypt($ARGV[0], $ARGV[1])' "$(fixed trigger-dev DOCKER_REGISTRY_PASSWORD 32)" "$salt")" >"$3"
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

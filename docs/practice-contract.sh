# A practice contract to try the guides on, beside the CU d'Arras's own (CV-200033579-2024, loaded by
# `./dev up`): the contract registered, two financers, a one-objective strategic tree, the 2025 call and
# one association. Source it at the root of a clone while `./dev up` runs:   . docs/practice-contract.sh
# It sets API, CONTRACT, the tokens ADMIN, PILOT, STATE, CUA and the ids ETAT, CUA_ID, OBJECTIVE, CALL,
# OPERATOR. Every POST carries an Idempotency-Key: sourcing it again replays the same answers.
# (tests/docs/test_examples.py runs it with the guides; each `# → ` line is the status it answers.)

API=${API:-http://127.0.0.1:8000/api}  # another stack (`./dev up --port-base N`): API=http://127.0.0.1:N/api
CONTRACT=CV-ESSAI-2025

ADMIN=$(./dev token --role platform_admin)
PILOT=$(./dev token --role contract_pilot --contract "$CONTRACT" --institution cua)
STATE=$(./dev token --role state --contract "$CONTRACT" --institution etat-p147)
CUA=$PILOT   # the CU d'Arras pilots the contract and finances it: its pilots decide its amounts

curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" -H "Idempotency-Key: $CONTRACT-contract" --json @- \
  "$API/territories/contracts" <<JSON
{"code": "$CONTRACT", "nom": "Contrat d'essai", "codeEpci": "200033579", "startYear": 2024, "endYear": 2030,
 "qpvCodes": ["QN06258M", "QN06261M"]}
JSON
# → 201

ETAT=$(curl -s -H "Authorization: Bearer $PILOT" -H "Idempotency-Key: $CONTRACT-etat" --json @- \
  "$API/grants/institutions" <<JSON | jq -r .id
{"contractCode": "$CONTRACT", "code": "etat-p147", "kind": "state_p147", "siret": "13000553100004",
 "nom": "État — programme 147 Politique de la ville (Préfecture du Pas-de-Calais)"}
JSON
)
# → 201
CUA_ID=$(curl -s -H "Authorization: Bearer $PILOT" -H "Idempotency-Key: $CONTRACT-cua" --json @- \
  "$API/grants/institutions" <<JSON | jq -r .id
{"contractCode": "$CONTRACT", "code": "cua", "kind": "epci", "nom": "Communauté Urbaine d'Arras"}
JSON
)
# → 201

TREE_ETAG=$(curl -s -o /dev/null -w '%header{etag}' -H "Authorization: Bearer $PILOT" \
  "$API/grants/frameworks/$CONTRACT")
# → 200
curl -s -o /dev/null -X PUT -H "Authorization: Bearer $PILOT" -H "If-Match: $TREE_ETAG" --json @- \
  "$API/grants/frameworks/$CONTRACT" <<'JSON'
{"ambitions": [{"code": "1", "label": "Un quartier apaisé", "strategicObjectives": [
  {"code": "6", "label": "Placer les habitants au cœur de leur quartier", "operationalObjectives": [
    {"code": "6A", "label": "Soutenir les instances de participation", "p147Theme": "1.5"}]}]}]}
JSON
# → 200
OBJECTIVE=$(curl -s -H "Authorization: Bearer $PILOT" "$API/grants/frameworks/$CONTRACT" \
  | jq -r '.ambitions[0].children[0].children[0].id')
# → 200

# The practice call is still open today, so that the guides' files come in time: a file is submitted by
# its call's closing day, a late one only by a pilot's reasoned exception.
CLOSES="$(( $(date +%Y) + 1 ))-11-30"
CALL=$(curl -s -H "Authorization: Bearer $PILOT" -H "Idempotency-Key: $CONTRACT-call-2025-$CLOSES" --json @- \
  "$API/grants/calls" <<JSON | jq -r .id
{"contractCode": "$CONTRACT", "year": 2025, "scheme": "p147", "title": "Appel à projets 2025",
 "opensOn": "2024-10-01", "closesOn": "$CLOSES", "notificationTargetOn": "$CLOSES"}
JSON
)
# → 201

OPERATOR=$(curl -s -H "Authorization: Bearer $PILOT" -H "Idempotency-Key: $CONTRACT-operator" --json @- \
  "$API/grants/operators" <<JSON | jq -r .id
{"contractCode": "$CONTRACT", "nom": "Association Les Jardins du 4 As", "siret": "73282932000074",
 "profile": "association"}
JSON
)
# → 201

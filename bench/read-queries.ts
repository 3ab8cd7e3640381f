/**
 * The three read queries of `npm run bench:read`, each twice: as the GraphQL document a client
 * sends to the API, and as the one hand-written SQL statement that builds the same `data` JSON in
 * PostgreSQL (the reference the brief's speed figures are relative to). The benchmark checks that
 * both give the same JSON before it measures anything, so the two servers do the same work.
 */

export interface ReadQuery {
  name: string;
  /** What a client would use it for. */
  purpose: string;
  document: string;
  /** One statement, with `params` as parameters. Returns one row with a `data` json column. */
  sql: string;
  /** The variable of the i-th request: requests rotate over many parents, as real traffic does. */
  variables(i: number, data: BenchData): Record<string, string>;
  /** The SQL statement's parameters for those variables. */
  params(variables: Record<string, string>): unknown[];
}

export interface BenchData {
  /** Country codes that impose and receive measures. */
  countries: string[];
  /** Global IDs of officials named by measures. */
  officials: string[];
}

export const READ_QUERIES: ReadQuery[] = [
  {
    name: 'Q1 latest measures',
    purpose: 'front page: the 50 newest measures with who imposed them and their first 10 targets',
    document: `query Q1 {
  measures(first: 50) {
    edges { node {
      id title kind announcedOn targetCount
      imposedBy { code name }
      targetCountry { code name }
      targets(first: 10) { edges { node { name category country { code } } } }
    } }
  }
}`,
    sql: `
SELECT json_build_object('measures', json_build_object('edges', coalesce(json_agg(
  json_build_object('node', json_build_object(
    'id', rtrim(translate(encode(convert_to('Measure:' || m.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
    'title', m.title, 'kind', m.kind, 'announcedOn', m.announced_on,
    'targetCount', m.target_count,
    'imposedBy', json_build_object('code', ib.code, 'name', ib.name),
    'targetCountry', CASE WHEN tc.code IS NULL THEN NULL
      ELSE json_build_object('code', tc.code, 'name', tc.name) END,
    'targets', json_build_object('edges', t.edges)))
  ORDER BY m.announced_on DESC, m.id DESC), '[]'))) AS data
FROM (SELECT * FROM measure ORDER BY announced_on DESC, id DESC LIMIT 50) m
JOIN country ib ON ib.code = m.imposed_by_code
LEFT JOIN country tc ON tc.code = m.target_country_code
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('node', json_build_object(
    'name', o.name, 'category', o.category, 'country', json_build_object('code', o.country_code)))
    ORDER BY mt.position), '[]') AS edges
  FROM (SELECT * FROM measure_target WHERE measure_id = m.id ORDER BY position LIMIT 10) mt
  JOIN official o ON o.id = mt.official_id) t`,
    variables: () => ({}),
    params: () => [],
  },
  {
    name: 'Q2 a country page',
    purpose:
      "a country's page: sanctions and entry bans it imposed (with count and statements), " +
      'and the newest measures aimed at it',
    document: `query Q2($code: String!) {
  country(code: $code) {
    name region
    measuresImposed(first: 20, filter: { kind: [SANCTIONS_PACKAGE, ENTRY_BAN] }) {
      totalCount
      edges { node { title announcedOn targetCount targetCountry { code } statements { issuer issuedOn } } }
    }
    measuresReceived(first: 20) { edges { node { title announcedOn imposedBy { code name } } } }
  }
}`,
    sql: `
SELECT json_build_object('country', json_build_object(
  'name', c.name, 'region', c.region,
  'measuresImposed', json_build_object(
    'totalCount', (SELECT count(*) FROM measure WHERE imposed_by_code = c.code
      AND kind IN ('SANCTIONS_PACKAGE', 'ENTRY_BAN')),
    'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object(
      'title', m.title, 'announcedOn', m.announced_on, 'targetCount', m.target_count,
      'targetCountry', CASE WHEN m.target_country_code IS NULL THEN NULL
        ELSE json_build_object('code', m.target_country_code) END,
      'statements', (SELECT coalesce(json_agg(json_build_object('issuer', s.issuer,
          'issuedOn', s.issued_on) ORDER BY s.issued_on, s.id), '[]')
        FROM statement_measure sm JOIN statement s ON s.id = sm.statement_id
        WHERE sm.measure_id = m.id)))
      ORDER BY m.announced_on DESC, m.id DESC), '[]')
      FROM (SELECT * FROM measure WHERE imposed_by_code = c.code
        AND kind IN ('SANCTIONS_PACKAGE', 'ENTRY_BAN')
        ORDER BY announced_on DESC, id DESC LIMIT 20) m)),
  'measuresReceived', json_build_object(
    'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object(
      'title', m.title, 'announcedOn', m.announced_on,
      'imposedBy', json_build_object('code', ib.code, 'name', ib.name)))
      ORDER BY m.announced_on DESC, m.id DESC), '[]')
      FROM (SELECT * FROM measure WHERE target_country_code = c.code
        ORDER BY announced_on DESC, id DESC LIMIT 20) m
      JOIN country ib ON ib.code = m.imposed_by_code)))) AS data
FROM country c WHERE c.code = upper($1)`,
    variables: (i, data) => ({ code: data.countries[i % data.countries.length]! }),
    params: (variables) => [variables.code!],
  },
  {
    name: 'Q3 an official',
    purpose: "an official's record: who they are and the 20 newest measures that name them",
    document: `query Q3($id: ID!) {
  official(id: $id) {
    name position category country { code name }
    measures(first: 20) {
      totalCount
      edges { node { title kind announcedOn targetCount imposedBy { code name } } }
    }
  }
}`,
    sql: `
SELECT json_build_object('official', json_build_object(
  'name', o.name, 'position', o.position, 'category', o.category,
  'country', json_build_object('code', c.code, 'name', c.name),
  'measures', json_build_object(
    'totalCount', (SELECT count(*) FROM measure_target WHERE official_id = o.id),
    'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object(
      'title', m.title, 'kind', m.kind, 'announcedOn', m.announced_on,
      'targetCount', m.target_count,
      'imposedBy', json_build_object('code', ib.code, 'name', ib.name)))
      ORDER BY m.announced_on DESC, m.id DESC), '[]')
      FROM (SELECT m.* FROM measure_target mt JOIN measure m ON m.id = mt.measure_id
        WHERE mt.official_id = o.id ORDER BY m.announced_on DESC, m.id DESC LIMIT 20) m
      JOIN country ib ON ib.code = m.imposed_by_code)))) AS data
FROM official o JOIN country c ON c.code = o.country_code WHERE o.id = $1`,
    variables: (i, data) => ({ id: data.officials[(i * 7919) % data.officials.length]! }),
    // The hand-written server decodes the global ID itself, as the API does.
    params: (variables) => [
      Number(Buffer.from(variables.id!, 'base64url').toString().split(':')[1]),
    ],
  },
];

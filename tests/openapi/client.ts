// A client's first lines against the types openapi-typescript generates from the committed
// snapshot (scripts/test copies this file beside them as ./api and runs tsc --strict): if a
// path, parameter or schema these rely on changes shape, the build of clients breaks here first.
import type { components, paths } from "./api";

type GetOrg = paths["/api/v1/orgs/{id}"]["get"];
type Org = GetOrg["responses"][200]["content"]["application/json"];
type ActivityQuery = NonNullable<paths["/api/v1/activities"]["get"]["parameters"]["query"]>;
type ApiError = components["schemas"]["ErrorBody"];

export function orgUrl(id: GetOrg["parameters"]["path"]["id"]): string {
    return `/api/v1/orgs/${encodeURIComponent(id)}`;
}

export function orgLabel(org: Org): string {
    return `${org.name}（${org.level_label}）`;
}

export const upcoming: ActivityQuery = { upcoming: true, page: 1, per_page: 50 };

export function errorText(e: ApiError): string {
    return e.error.field ? `${e.error.field}: ${e.error.message}` : e.error.message;
}

import { InputError } from "../../errors.ts";
import { utf8 } from "../file-source.ts";
import type { OpenstackSource } from "../openstack/openstack-source.ts";
import { versionList } from "../openstack/versions.ts";
import type { MetadataFetcher } from "./fetcher.ts";

const VERSIONS = { path: "/openstack", maxBytes: 64 << 10, expect: "OpenStack's metadata versions, one per line" } as const;

/**
 * The versions GET /openstack lists, or undefined where the answer is no such list: that service
 * is not OpenStack's. Any status counts as "no" (AWS answers 404, or 401 where tokens are
 * required); only a service that cannot be reached at all is an error.
 */
export async function openstackVersions(fetcher: MetadataFetcher): Promise<string[] | undefined> {
  const answer = await fetcher.request(VERSIONS.path, VERSIONS);
  if (answer.status !== 200) return undefined;
  return versionList(new TextDecoder().decode(answer.body));
}

/**
 * OpenStack's metadata tree over HTTP: GET /openstack/<path>. `offered` is the version list the
 * caller already read (to tell OpenStack from EC2), so it is not asked for twice.
 */
export function openstackHttpSource(fetcher: MetadataFetcher, offered?: readonly string[]): OpenstackSource {
  return {
    name: fetcher.baseUrl,
    label: (path) => fetcher.url(`/openstack/${path}`),
    async versions() {
      if (offered) return [...offered];
      const body = await fetcher.get(VERSIONS.path, VERSIONS);
      return body === undefined ? [] : utf8(body, fetcher.url(VERSIONS.path)).split("\n").map((l) => l.trim()).filter(Boolean);
    },
    get(path, maxBytes) {
      // Paths come from meta_data.json (files[].content_path): they stay under /openstack/.
      if (path.startsWith("/") || path.split("/").includes("..")) {
        return Promise.reject(new InputError(fetcher.url(`/openstack/${path}`), [{ path: "", message: "expected a path under openstack/, without .." }]));
      }
      return fetcher.get(`/openstack/${path}`, { maxBytes, expect: `openstack/${path}` });
    },
  };
}

/**
 * Where OpenStack's metadata tree is: a config drive (files under openstack/) or the metadata
 * service (GET /openstack/…). One reader (read-openstack.ts) serves both.
 */
export interface OpenstackSource {
  /** Names the source in errors and in InstanceData.source.location: "/dev/sr0", "http://169.254.169.254". */
  readonly name: string;
  /** How errors name a file of the tree: "/dev/sr0:openstack/latest/meta_data.json", or its URL. */
  label(path: string): string;
  /** The versions offered: the directory names under openstack/, or the lines of GET /openstack. */
  versions(): Promise<string[]>;
  /**
   * A file by its path under openstack/ ("latest/meta_data.json", "content/0000"); undefined when
   * it does not exist (ENOENT, HTTP 404). Larger than `maxBytes` is an InputError naming the file.
   */
  get(path: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

/**
 * Every secret a test gives the agent, in one place, so that scripts/scan-test-outputs.ts can look
 * for them in every byte the suite's agent runs printed (TETHER_TEST_OUTPUT_DIR). A test that plants
 * a password, a hash or a key imports it from here; a value the agent is meant to print (a public
 * key, a host name) does not belong here. Each is distinctive enough never to occur by chance.
 */
export const TEST_SECRETS = {
  /** examples/nocloud/user-data: /etc/example/token, a 0600 file. */
  exampleToken: "not-a-real-token",
  /** test/commands/boot.test.ts: admin_pass from the metadata service, and from a config drive. */
  httpAdminPass: "pw-never-shown",
  driveAdminPass: "S3cret-pass",
  /** test/daemon/qga-daemon.test.ts: guest-set-user-password. */
  qgaPassword: "qga pass 2Mx8",
  /** test/daemon/xenstore-daemon.test.ts: the Nova agent's keyinit + password. */
  novaPassword: "correct horse",
  novaPasswordMd5: "battery staple",

  /** test/security/: one of each kind, each naming its kind so that a finding says what leaked. */
  plainTextPasswd: "Plain-Text-Passwd-7Qx2",
  chpasswdText: "Chpasswd-Text-4Wm9",
  chpasswdHash: "$6$tethersalt$Chpasswd.Hash.8Tz1/QrYvXnB5cLkJpWsE3uHdG6fA0mNoZiKtVbCyRxDqPe7gMhUlSjIw2a4F9",
  adminPass: "Admin-Pass-3Kd8",
  metaAdminPass: "Meta-Admin-Pass-5Rj1",
  defaultPassword: "Default-Password-9Lp4",
  privateFile: "Private-File-Token-2Vn6",
  sshPrivateKeyBody: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBTZXRoZXItdGVzdC1rZXk",
  qgaSetPassword: "Qga-Set-Password-6Hs3",
  qgaFailingPassword: "Qga-Failing-Password-1Bc5",
  novaSetPassword: "Nova-Set-Password-8Gf2",
  validateNumeric: "86420975",
  validateAlias: "Validate-Alias-Secret-4Yt7",
  validateBlock: "Validate-Block-Secret-0Ue3",
  validateChpasswdList: "Validate-Chpasswd-List-7Io1",
} as const;

export type TestSecretName = keyof typeof TEST_SECRETS;

/** An OpenSSH private key block whose body is TEST_SECRETS.sshPrivateKeyBody (not a usable key). */
export const SSH_PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${TEST_SECRETS.sshPrivateKeyBody}\n-----END OPENSSH PRIVATE KEY-----\n`;

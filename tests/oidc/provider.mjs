// The OpenID provider the sign-in tests run: oidc-provider (a certified implementation), on 127.0.0.1.
//   PORT=… REDIRECT_URI=… POST_LOGOUT_REDIRECT_URI=… node tests/oidc/provider.mjs
// One confidential client ("tumorboard"), the authorization code flow with PKCE (S256) required, and a
// few accounts whose ID tokens carry their groups. Its own login page (devInteractions) takes any of the
// account names below with any password; consent is taken as given, as a hospital's provider does for
// its own applications. Prints "ready <issuer>" when it listens.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

export const ACCOUNTS = {
  'chair.sso': {
    email: 'chair.sso@example-hospital.org', email_verified: true, name: 'Chair Sso',
    groups: ['tb-chairs', 'tb-gep-net'],
  },
  'submitter.sso': {
    email: 'submitter.sso@example-hospital.org', email_verified: true, name: 'Submitter Sso',
    groups: ['tb-submitters'],
  },
  'nobody.sso': {
    email: 'nobody.sso@example-hospital.org', email_verified: true, name: 'Nobody Sso', groups: [],
  },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tumorboard',
    client_secret: 'tumorboard-test-client-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.POST_LOGOUT_REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  // the groups and the e-mail in the ID token itself, as Keycloak's mappers and Entra ID put them
  conformIdTokenClaims: false,
  cookies: { keys: ['tumorboard-tests-only-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

// Fournisseur OpenID Connect réel pour les tests (paquet npm oidc-provider, devDependencies) :
//   node tests/fournisseur_oidc.mjs
// Variables : OIDC_PORT (port d'écoute sur 127.0.0.1), OIDC_CLIENT, OIDC_SECRET, OIDC_REDIRECTION (adresse
// /oauth2callback du serveur Streamlit), OIDC_COMPTES (JSON : [{identifiant, mot_de_passe, courriel, nom}]).
// Une fois à l'écoute, écrit une ligne JSON {"emetteur": "http://127.0.0.1:PORT"} sur la sortie standard.
// Pages de connexion et de déconnexion en français, sans ressource extérieure (les tests sont hors ligne).
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const emetteur = `http://127.0.0.1:${port}`;
const comptes = new Map(JSON.parse(process.env.OIDC_COMPTES).map((c) => [c.identifiant, c]));

const echapper = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (titre, corps) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${echapper(titre)}</title>
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto}label,input,button{display:block;width:100%;margin:.3rem 0}
input{padding:.4rem}button{padding:.5rem;background:#000091;color:#fff;border:0}</style></head>
<body><h1>Fournisseur d'identité de test</h1>${corps}</body></html>`;

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT,
    client_secret: process.env.OIDC_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECTION],
    post_logout_redirect_uris: [process.env.OIDC_REDIRECTION],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Streamlit (Authlib) lit l'identité dans le jeton d'identité : les claims demandées y figurent.
  conformIdTokenClaims: false,
  cookies: { keys: ['cle-de-test-des-cookies-du-fournisseur'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Déconnexion', `<p>Se déconnecter du fournisseur d'identité ?</p>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>`);
      },
    },
  },
  async findAccount(ctx, sub) {
    const compte = comptes.get(sub);
    if (!compte) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: compte.courriel, email_verified: true, name: compte.nom };
      },
    };
  },
  // Client de première partie : l'accord porte d'emblée sur les portées demandées (pas de page de consentement).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
};

const fournisseur = new Provider(emetteur, configuration);

async function lireFormulaire(req) {
  let brut = '';
  for await (const morceau of req) brut += morceau;
  return new URLSearchParams(brut);
}

// La page de connexion : identifiant et mot de passe vérifiés contre OIDC_COMPTES.
fournisseur.use(async (ctx, next) => {
  const trouve = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!trouve) return next();
  const details = await fournisseur.interactionDetails(ctx.req, ctx.res);
  const formulaire = (erreur) => page('Connexion', `${erreur ? `<p role="alert">${echapper(erreur)}</p>` : ''}
<form method="post" action="/interaction/${echapper(details.uid)}">
<label>Identifiant <input name="identifiant" autocomplete="username" required></label>
<label>Mot de passe <input name="mot_de_passe" type="password" autocomplete="current-password" required></label>
<button type="submit">Se connecter</button></form>`);
  ctx.type = 'html';
  if (ctx.method === 'GET') {
    ctx.body = formulaire('');
    return undefined;
  }
  const champs = await lireFormulaire(ctx.req);
  const compte = comptes.get(champs.get('identifiant'));
  if (!compte || compte.mot_de_passe !== champs.get('mot_de_passe')) {
    ctx.status = 401;
    ctx.body = formulaire('Identifiant ou mot de passe incorrect.');
    return undefined;
  }
  await fournisseur.interactionFinished(ctx.req, ctx.res, { login: { accountId: compte.identifiant } }, {
    mergeWithLastSubmission: false,
  });
  return undefined;
});

fournisseur.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ emetteur })}\n`);
});

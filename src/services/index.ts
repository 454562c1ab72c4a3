import { createAuthService, type AuthService } from '../auth/sessions.ts';
import { createConfigAsCodeService, type ConfigAsCodeService } from '../config-as-code/index.ts';
import { createAlertChannelService, type AlertChannelService } from './alert-channels.ts';
import type { ServiceDeps } from './deps.ts';
import { createMaintenanceService, type MaintenanceService } from './maintenance.ts';
import { createSiteService, type SiteService } from './sites.ts';
import { createTokenService, type TokenService } from './tokens.ts';
import { createUserService, type UserService } from './users.ts';

export interface Services {
  auth: AuthService;
  sites: SiteService;
  alertChannels: AlertChannelService;
  maintenance: MaintenanceService;
  users: UserService;
  tokens: TokenService;
  configAsCode: ConfigAsCodeService;
}

export function createServices(deps: ServiceDeps): Services {
  const auth = createAuthService(deps);
  return {
    auth,
    sites: createSiteService(deps),
    alertChannels: createAlertChannelService(deps),
    maintenance: createMaintenanceService(deps),
    users: createUserService(deps, auth),
    tokens: createTokenService(deps, auth),
    configAsCode: createConfigAsCodeService(deps),
  };
}

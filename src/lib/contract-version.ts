export { version as CONTRACT_VERSION, serverUrl as CONTRACT_SERVER_URL } from '../../generated/contract-version.json';

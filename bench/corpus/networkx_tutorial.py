# NetworkX tutorial, "Creating a graph" and shortest paths
import networkx as nx

G = nx.Graph()
G.add_edges_from([(1, 2), (1, 3), (2, 4), (3, 4), (4, 5)])
print(nx.shortest_path(G, source=1, target=5))
print(sorted(d for n, d in G.degree()))
